/** A `host:port` of a Redis server, a Cluster node or a Sentinel. */
export interface RedisAddress {
  host: string;
  port: number;
}

/**
 * Where the engines' Redis is, as one of three deployments. The engines take it as one string
 * (`--redis-url`), so that every engine option and test stays a plain URL:
 *
 * - `redis://[user:pass@]host:port[/db]` or `rediss://…`: one server (or a proxy in front of one);
 * - `redis+cluster://[user:pass@]host:port,host:port,…`: a Redis Cluster, by any of its nodes (the
 *   client learns the rest from `CLUSTER SLOTS`);
 * - `redis+sentinel://[user:pass@]host:port,host:port,…/masterName[/db]`: the master that these
 *   Sentinels elect; the client follows a failover to the new master.
 */
export type RedisEndpoint =
  | { kind: "server"; url: string }
  | { kind: "cluster"; nodes: RedisAddress[]; username?: string; password?: string }
  | { kind: "sentinel"; sentinels: RedisAddress[]; masterName: string; db: number; username?: string; password?: string };

/** Parses a `--redis-url` (see {@link RedisEndpoint}); throws a message naming what is wrong. */
export function parseRedisEndpoint(url: string): RedisEndpoint {
  const scheme = /^([a-z+]+):\/\//.exec(url)?.[1];
  if (scheme === "redis" || scheme === "rediss") return { kind: "server", url };
  if (scheme !== "redis+cluster" && scheme !== "redis+sentinel") {
    throw new Error(`Redis URL "${redact(url)}" must start with redis://, rediss://, redis+cluster:// or redis+sentinel://`);
  }
  const rest = url.slice(scheme.length + 3);
  const at = rest.lastIndexOf("@", rest.indexOf("/") === -1 ? undefined : rest.indexOf("/"));
  const credentials = at === -1 ? {} : userInfo(rest.slice(0, at));
  const [hostList = "", ...path] = rest.slice(at + 1).split("/");
  const addresses = parseAddresses(hostList);
  if (addresses.length === 0) throw new Error(`Redis URL "${redact(url)}" names no host:port`);
  if (scheme === "redis+cluster") {
    if (path.some(Boolean)) throw new Error(`Redis URL "${redact(url)}": a Redis Cluster has no database number or path`);
    return { kind: "cluster", nodes: addresses, ...credentials };
  }
  const [masterName, db = "0"] = path;
  if (!masterName) throw new Error(`Redis URL "${redact(url)}" must name the master: redis+sentinel://host:port,…/masterName`);
  if (!/^\d{1,2}$/.test(db)) throw new Error(`Redis URL "${redact(url)}": database "${db}" is not a number`);
  return { kind: "sentinel", sentinels: addresses, masterName: decodeURIComponent(masterName), db: Number(db), ...credentials };
}

/** Parses `host:port,host:port` (IPv6 as `[::1]:6379`); throws on a bad entry. */
export function parseAddresses(list: string): RedisAddress[] {
  return list.split(",").map((s) => s.trim()).filter(Boolean).map((entry) => {
    const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) throw new Error(`"${entry}" is not host:port`);
    return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
  });
}

/** The endpoint for the log: hosts, never a password. */
export function describeRedisEndpoint(endpoint: RedisEndpoint): string {
  const list = (a: RedisAddress[]) => a.map((x) => `${x.host}:${x.port}`).join(",");
  if (endpoint.kind === "cluster") return `redis-cluster(${list(endpoint.nodes)})`;
  if (endpoint.kind === "sentinel") return `redis-sentinel(${list(endpoint.sentinels)}/${endpoint.masterName})`;
  return `redis(${new URL(endpoint.url).host})`;
}

function userInfo(text: string): { username?: string; password?: string } {
  const colon = text.indexOf(":");
  const username = decodeURIComponent(colon === -1 ? text : text.slice(0, colon));
  const password = colon === -1 ? undefined : decodeURIComponent(text.slice(colon + 1));
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

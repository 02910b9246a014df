import { createHash } from "node:crypto";
import { Cluster, Redis } from "ioredis";
import { parseRedisEndpoint } from "./redis-endpoint.ts";

/** A connection to the engines' Redis: one server (also as elected by Sentinel), or a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

/**
 * A Redis connection for the engines, to any deployment `url` names (see redis-endpoint.ts). While
 * Redis is unreachable, commands wait in ioredis's queue and go out once it is back; after a few
 * failed reconnects they fail instead, so that a caller (a send waiting to fan out) gets an error
 * rather than hanging for as long as Redis is down.
 *
 * Connection errors go to `onError`: ioredis emits them on every failed reconnect, and an emitter
 * with no "error" listener prints "Unhandled error event" and a stack instead of a log line.
 */
export function createRedisClient(url: string, name: string, onError: (error: unknown) => void): RedisConnection {
  const endpoint = parseRedisEndpoint(url);
  const common = { connectionName: name, maxRetriesPerRequest: 5 };
  let redis: RedisConnection;
  if (endpoint.kind === "server") {
    redis = new Redis(url, common);
  } else if (endpoint.kind === "sentinel") {
    const { sentinels, masterName, db, username, password } = endpoint;
    const sentinel: Redis = new Redis({
      ...common, sentinels, name: masterName, db, username, password, sentinelUsername: username, sentinelPassword: password,
      // While no Sentinel answers, ioredis asks them again and again without counting a failed
      // reconnect, so maxRetriesPerRequest never fails the queued commands: after 5 rounds they fail
      // here instead (and each later round fails what queued since), as with one server.
      sentinelRetryStrategy: (times) => {
        if (times > 5) failQueued(sentinel, `redis connection ${name}: no Sentinel answered in ${times} rounds`);
        return Math.min(times * 10, 1_000);
      },
    });
    redis = sentinel;
  } else {
    const { nodes, username, password } = endpoint;
    const cluster: Cluster = new Cluster(nodes, {
      redisOptions: { ...common, username, password },
      // Sharded subscribers: one subscriber connection per master, so that SSUBSCRIBE reaches the
      // shard that owns each channel (see RedisPubSub).
      shardedSubscribers: true,
      // A Cluster queues commands for as long as it cannot reach any node (maxRetriesPerRequest only
      // bounds a node's own reconnects): after 5 failed attempts its queue fails, as one server's does.
      clusterRetryStrategy: (times) => {
        if (times > 5) failQueued(cluster, `redis connection ${name}: no Cluster node reachable after ${times - 1} attempts`);
        return Math.min(100 + times * 2, 2_000);
      },
    });
    redis = cluster;
  }
  redis.on("error", (err: unknown) => onError(new Error(`redis connection ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })));
  return redis;
}

/**
 * Fails every command waiting in a client's offline queue. ioredis does this itself for one server
 * after maxRetriesPerRequest failed reconnects, through the same (untyped) method.
 */
function failQueued(client: RedisConnection, message: string): void {
  (client as unknown as { flushQueue?: (error: Error) => void }).flushQueue?.(new Error(message));
}

/** Whether `url` names a Redis Cluster: its engines then keep every script's keys in one hash slot. */
export function isRedisCluster(url: string): boolean {
  return parseRedisEndpoint(url).kind === "cluster";
}

/** Closes a connection politely, or drops it when Redis is down (no goodbye can be said then). */
export async function closeRedis(redis: RedisConnection): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}

/**
 * A Lua script run with EVALSHA, sent again with EVAL when Redis does not know it (first use, or
 * after a restart emptied its script cache). Scripts make read-then-write steps atomic.
 *
 * Every key a script touches must be in `keys` (never named inside the script), and in a Redis
 * Cluster they must share one hash slot: Redis refuses a script whose keys span slots (CROSSSLOT).
 */
export class LuaScript {
  private readonly lua: string;
  private readonly sha: string;

  constructor(lua: string) {
    this.lua = lua;
    this.sha = createHash("sha1").update(lua).digest("hex");
  }

  async run(redis: RedisConnection, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

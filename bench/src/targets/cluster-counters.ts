import { execFileSync } from "node:child_process";
import { Redis } from "ioredis";
import type { SystemUnderTest } from "./system.ts";
import { cpuSeconds } from "./process-stats.ts";

/** How long one read of the counters (a node's /metrics, Redis INFO) may take by default. */
const defaultReadTimeoutMs = 5_000;

/** Counters read at the start and at the end of a measured window. */
interface Snapshot {
  cql: Record<string, number>;
  redisCalls: number;
  cpu: Map<string, number>;
  at: number;
}

/**
 * The work a cluster does per message, counted where it happens rather than timed: CQL requests
 * from every node's /metrics (`chat_cql_requests`, a batch counts once), Redis commands from INFO
 * commandstats, and the CPU of every process (each node, Redis, Cassandra) over the window.
 * Redis and Cassandra are found by their listening ports; everything else on them counts too, so
 * run it on a quiet machine (the bench takes the heavy lock).
 */
export class ClusterCounters {
  private readonly system: SystemUnderTest;
  private readonly redis: Redis;
  private readonly services: Map<string, number>;
  private readonly readTimeoutMs: number;
  private start: Snapshot | undefined;

  /**
   * @param readTimeoutMs how long each read may take: past it the window's read rejects with what
   *   did not answer, so the run fails instead of waiting forever on a stuck node or Redis.
   */
  constructor(system: SystemUnderTest, redisUrl: string, cassandraContactPoint: string, readTimeoutMs = defaultReadTimeoutMs) {
    this.system = system;
    this.readTimeoutMs = readTimeoutMs;
    this.redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: readTimeoutMs, commandTimeout: readTimeoutMs });
    this.redis.on("error", (err) => console.error(`bench: redis counters: ${err.message}`));
    const port = (hostPort: string) => Number(hostPort.split(":").at(-1));
    this.services = new Map([["Redis", listenerPid(port(new URL(redisUrl).host || "x:6379"))], ["Cassandra", listenerPid(port(cassandraContactPoint))]]);
  }

  /** Takes the counters at the start of the window. */
  async begin(): Promise<void> {
    this.start = await this.snapshot();
  }

  /** Takes the counters at the end of the window; the figures are per message accepted in it. */
  async end(): Promise<(accepted: number) => Record<string, number>> {
    const end = await this.snapshot();
    const start = this.start!;
    return (accepted) => this.figures(start, end, accepted);
  }

  private figures(start: Snapshot, end: Snapshot, accepted: number): Record<string, number> {
    const per = (n: number) => (accepted > 0 ? Math.round((n / accepted) * 100) / 100 : NaN);
    const seconds = (end.at - start.at) / 1000;
    const cql = (kind: string) => (end.cql[kind] ?? 0) - (start.cql[kind] ?? 0);
    const figures: Record<string, number> = {
      "CQL req/msg": per(Object.keys(end.cql).reduce((n, k) => n + cql(k), 0)),
      "CQL batches/msg": per(cql("batch")),
      "LWT/msg": per(cql("lwt") + cql("serialRead")),
      "Redis cmd/msg": per(end.redisCalls - start.redisCalls),
    };
    for (const [name, cpu] of end.cpu) figures[`${name} CPU %`] = Math.round(((cpu - (start.cpu.get(name) ?? 0)) / seconds) * 1000) / 10;
    return figures;
  }

  /** Disconnects from Redis. */
  close(): void {
    this.redis.disconnect();
  }

  private async snapshot(): Promise<Snapshot> {
    const cql: Record<string, number> = {};
    const within = `within ${this.readTimeoutMs / 1000} s (the run is failed instead of left hanging)`;
    await Promise.all(this.system.urls.map(async (url) => {
      let text: string;
      try {
        // The signal covers the body too: a node that sends headers and then stalls is caught as well.
        text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(this.readTimeoutMs) })).text();
      } catch (err) {
        throw new Error(`cluster counters: GET ${url}/metrics failed or did not answer ${within} (${(err as Error).message})`);
      }
      for (const m of text.matchAll(/^chat_cql_requests\{kind="(\w+)"\} (\d+)/gm)) cql[m[1]!] = (cql[m[1]!] ?? 0) + Number(m[2]);
    }));
    let stats: string;
    try {
      stats = String(await this.redis.info("commandstats"));
    } catch (err) {
      throw new Error(`cluster counters: Redis INFO commandstats failed or did not answer ${within} (${(err as Error).message})`);
    }
    let redisCalls = 0;
    for (const m of stats.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (m[1] !== "info") redisCalls += Number(m[2]);
    const cpu = new Map<string, number>();
    this.system.pids().forEach((pid, i) => cpu.set(`node${i + 1}`, cpuSeconds(pid)));
    for (const [name, pid] of this.services) if (pid > 0) cpu.set(name, cpuSeconds(pid));
    return { cql, redisCalls, cpu, at: performance.now() };
  }
}

/** The pid listening on a local TCP port (from `ss`), or 0 when it cannot be told. */
function listenerPid(port: number): number {
  try {
    const out = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
    return Number(/pid=(\d+)/.exec(out)?.[1] ?? 0);
  } catch {
    return 0; // no ss, or not allowed to see other users' processes: the CPU column is left out
  }
}

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./free-port.ts";
import { type RedisHandle, startRedis } from "./redis.ts";

const run = promisify(execFile);

/** A running throw-away Redis deployment: a URL for the engines (see redis-endpoint.ts) and its teardown. */
export interface RedisDeploymentHandle {
  /** `redis+cluster://…` or `redis+sentinel://…/mymaster`. */
  url: string;
  /** Kills every process and deletes their temp dirs. Safe to call twice. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;

/**
 * Starts a 3-master Redis Cluster (no replicas) from Debian's `redis-server` on free loopback ports:
 * three servers with `--cluster-enabled yes`, joined and given all 16384 slots by
 * `redis-cli --cluster create`; resolves once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(): Promise<RedisDeploymentHandle> {
  const clusterArgs = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"];
  // The bus port is given, not left to Redis (port + 10000), which nobody checked was free.
  const settled = await Promise.allSettled([1, 2, 3].map(async () =>
    startRedis({ args: [...clusterArgs, "--cluster-port", String(await freePort())] })));
  const servers = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const stop = () => Promise.all(servers.map((s) => s.stop())).then(() => undefined);
  try {
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    const addresses = servers.map((s) => `127.0.0.1:${s.port}`);
    await run("redis-cli", ["--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes"], { timeout: READY_TIMEOUT_MS });
    await untilReady(servers);
    return { url: `redis+cluster://${addresses.join(",")}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Starts one Redis master and one Sentinel monitoring it (quorum 1): the smallest Sentinel setup,
 * enough to prove the client finds the master through Sentinel.
 */
export async function startRedisSentinel(masterName = "mymaster"): Promise<RedisDeploymentHandle> {
  const master = await startRedis();
  let sentinel: RedisHandle;
  try {
    sentinel = await startRedis({
      args: ["--sentinel"],
      config: `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1\nsentinel down-after-milliseconds ${masterName} 5000\n`,
    });
  } catch (err) {
    await master.stop();
    throw err;
  }
  return {
    url: `redis+sentinel://127.0.0.1:${sentinel.port}/${masterName}`,
    stop: () => Promise.all([sentinel.stop(), master.stop()]).then(() => undefined),
  };
}

/** Waits until every node has agreed on the slots (`cluster_state:ok`), with a deadline. */
async function untilReady(servers: readonly RedisHandle[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const server of servers) {
    for (;;) {
      const { stdout } = await run("redis-cli", ["-p", String(server.port), "cluster", "info"]);
      if (stdout.includes("cluster_state:ok")) break;
      if (Date.now() > deadline) throw new Error(`redis cluster node ${server.port} not ready in ${READY_TIMEOUT_MS} ms:\n${stdout}`);
      await sleep(50);
    }
  }
}

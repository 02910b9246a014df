import { afterAll, inject } from "vitest";
import { type RedisDeploymentHandle, startRedisCluster, startRedisSentinel } from "./redis-cluster.ts";

/** A Redis deployment the Redis engines' contract suites run against. */
export interface RedisDeployment {
  name: string;
  /** The URL of the running deployment, started on first use (see redis-endpoint.ts for the forms). */
  url(): Promise<string>;
}

/**
 * Every deployment the engines support: the run's shared Redis, a 3-master Redis Cluster and a
 * Sentinel setup. The last two start only when a suite first asks for them (so only the specs
 * that use them pay for them) and stop after the spec file.
 */
export const redisDeployments: readonly RedisDeployment[] = [
  { name: "redis", url: async () => inject("redisUrl") },
  { name: "redis cluster", url: lazily(startRedisCluster) },
  { name: "redis sentinel", url: lazily(() => startRedisSentinel()) },
];

function lazily(start: () => Promise<RedisDeploymentHandle>): () => Promise<string> {
  let started: Promise<RedisDeploymentHandle> | undefined;
  afterAll(async () => {
    await (await started?.catch(() => undefined))?.stop();
  });
  return async () => (await (started ??= start())).url;
}

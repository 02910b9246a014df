import type { TestProject } from "vitest/node";
import { startCassandra, type CassandraHandle } from "./services/cassandra.ts";
import { startRedis, type RedisHandle } from "./services/redis.ts";

declare module "vitest" {
  /** Values the global setup hands to every test file through `inject(...)`. */
  export interface ProvidedContext {
    /** `redis://127.0.0.1:PORT` of the run's throw-away Redis. */
    redisUrl: string;
    /** `127.0.0.1:PORT` of the run's Cassandra 5 CQL port (a cassandra-driver contact point). */
    cassandraContactPoint: string;
    /** The Cassandra node's data center, for cassandra-driver's `localDataCenter`. */
    cassandraDataCenter: string;
  }
}

/**
 * Vitest globalSetup: starts one real Redis and one real Cassandra 5 for the whole run (in
 * parallel: Cassandra takes seconds, Redis milliseconds) and hands them to tests with `provide`.
 * The same values go into `CHAT_TEST_REDIS_URL`, `CHAT_TEST_CASSANDRA` (`host:port`) and
 * `CHAT_TEST_CASSANDRA_DC`, so servers the tests spawn as child processes find them too.
 * Tests must isolate themselves (own keyspace or key prefix): every file shares these two servers.
 *
 * Returns the teardown, which stops both servers and deletes their temp dirs.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = sharedServices();
  if (shared !== undefined) {
    project.provide("redisUrl", shared.redisUrl);
    project.provide("cassandraContactPoint", shared.cassandra);
    project.provide("cassandraDataCenter", shared.dataCenter);
    return async () => undefined;
  }
  const [redis, cassandra] = await Promise.allSettled([startRedis(), startCassandra()]);
  const started: Array<RedisHandle | CassandraHandle> = [];
  if (redis.status === "fulfilled") started.push(redis.value);
  if (cassandra.status === "fulfilled") started.push(cassandra.value);
  const teardown = async (): Promise<void> => {
    await Promise.allSettled(started.map((service) => service.stop()));
  };
  if (redis.status === "rejected" || cassandra.status === "rejected") {
    // Do not leak the one that did start when the other failed.
    await teardown();
    const errors = [redis, cassandra].flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    throw errors.length === 1 ? errors[0] : new AggregateError(errors, "test services failed to start");
  }

  project.provide("redisUrl", redis.value.url);
  project.provide("cassandraContactPoint", cassandra.value.contactPoint);
  project.provide("cassandraDataCenter", cassandra.value.localDataCenter);
  process.env.CHAT_TEST_REDIS_URL = redis.value.url;
  process.env.CHAT_TEST_CASSANDRA = cassandra.value.contactPoint;
  process.env.CHAT_TEST_CASSANDRA_DC = cassandra.value.localDataCenter;
  return teardown;
}

/**
 * Servers already running for a developer (`node server/test/services/serve.ts` prints the exports):
 * with `CHAT_TEST_REDIS_URL` and `CHAT_TEST_CASSANDRA` set, a run reuses them instead of starting a
 * JVM of its own, so that repeated runs on a 2-core machine do not pay Cassandra's start each time.
 * CI sets neither and gets fresh servers.
 */
function sharedServices(): { redisUrl: string; cassandra: string; dataCenter: string } | undefined {
  const redisUrl = process.env.CHAT_TEST_REDIS_URL;
  const cassandra = process.env.CHAT_TEST_CASSANDRA;
  if (!redisUrl || !cassandra) return undefined;
  return { redisUrl, cassandra, dataCenter: process.env.CHAT_TEST_CASSANDRA_DC || "datacenter1" };
}

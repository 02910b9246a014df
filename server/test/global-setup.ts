import type { TestProject } from "vitest/node";
import { startCassandra, type CassandraHandle } from "./services/cassandra.ts";
import { startRedis, type RedisHandle } from "./services/redis.ts";
import { startSeaweedfs, type SeaweedfsHandle } from "./services/seaweedfs.ts";

declare module "vitest" {
  /** Values the global setup hands to every test file through `inject(...)`. */
  export interface ProvidedContext {
    /** `redis://127.0.0.1:PORT` of the run's throw-away Redis. */
    redisUrl: string;
    /** `127.0.0.1:PORT` of the run's Cassandra 5 CQL port (a cassandra-driver contact point). */
    cassandraContactPoint: string;
    /** The Cassandra node's data center, for cassandra-driver's `localDataCenter`. */
    cassandraDataCenter: string;
    /** `http://127.0.0.1:PORT` of the run's SeaweedFS S3 gateway (any credentials; make a bucket of your own). */
    s3Url: string;
  }
}

/**
 * Vitest globalSetup: starts one real Redis, one real Cassandra 5 and one SeaweedFS (an S3 server)
 * for the whole run (in parallel: Cassandra and SeaweedFS take seconds, Redis milliseconds) and hands
 * them to tests with `provide`. The same values go into `CHAT_TEST_REDIS_URL`, `CHAT_TEST_CASSANDRA`
 * (`host:port`), `CHAT_TEST_CASSANDRA_DC` and `CHAT_TEST_S3`, so servers the tests spawn as child
 * processes find them too. Tests must isolate themselves (own keyspace, key prefix or bucket): every
 * file shares these servers.
 *
 * Returns the teardown, which stops the servers it started and deletes their temp dirs.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = sharedServices();
  if (shared !== undefined) {
    project.provide("redisUrl", shared.redisUrl);
    project.provide("cassandraContactPoint", shared.cassandra);
    project.provide("cassandraDataCenter", shared.dataCenter);
    // Shared servers from before SeaweedFS was one of them: start only it.
    const seaweedfs = shared.s3Url ? undefined : await startSeaweedfs();
    const s3Url = shared.s3Url ?? seaweedfs!.s3Url;
    project.provide("s3Url", s3Url);
    process.env.CHAT_TEST_S3 = s3Url;
    return async () => seaweedfs?.stop();
  }
  const [redis, cassandra, seaweedfs] = await Promise.allSettled([startRedis(), startCassandra(), startSeaweedfs()]);
  const started: Array<RedisHandle | CassandraHandle | SeaweedfsHandle> = [];
  for (const service of [redis, cassandra, seaweedfs]) if (service.status === "fulfilled") started.push(service.value);
  const teardown = async (): Promise<void> => {
    await Promise.allSettled(started.map((service) => service.stop()));
  };
  if (redis.status === "rejected" || cassandra.status === "rejected" || seaweedfs.status === "rejected") {
    // Do not leak the ones that did start when another failed.
    await teardown();
    const errors = [redis, cassandra, seaweedfs].flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    throw errors.length === 1 ? errors[0] : new AggregateError(errors, "test services failed to start");
  }

  project.provide("redisUrl", redis.value.url);
  project.provide("cassandraContactPoint", cassandra.value.contactPoint);
  project.provide("cassandraDataCenter", cassandra.value.localDataCenter);
  project.provide("s3Url", seaweedfs.value.s3Url);
  process.env.CHAT_TEST_REDIS_URL = redis.value.url;
  process.env.CHAT_TEST_S3 = seaweedfs.value.s3Url;
  process.env.CHAT_TEST_CASSANDRA = cassandra.value.contactPoint;
  process.env.CHAT_TEST_CASSANDRA_DC = cassandra.value.localDataCenter;
  return teardown;
}

/**
 * Servers already running for a developer (`node server/test/services/serve.ts` prints the exports):
 * with `CHAT_TEST_REDIS_URL` and `CHAT_TEST_CASSANDRA` set, a run reuses them instead of starting a
 * JVM of its own, so that repeated runs on a 2-core machine do not pay Cassandra's start each time;
 * `CHAT_TEST_S3` likewise names a running S3 server (else the run starts a SeaweedFS of its own).
 * CI sets none and gets fresh servers.
 */
function sharedServices(): { redisUrl: string; cassandra: string; dataCenter: string; s3Url: string | undefined } | undefined {
  const redisUrl = process.env.CHAT_TEST_REDIS_URL;
  const cassandra = process.env.CHAT_TEST_CASSANDRA;
  if (!redisUrl || !cassandra) return undefined;
  return { redisUrl, cassandra, dataCenter: process.env.CHAT_TEST_CASSANDRA_DC || "datacenter1", s3Url: process.env.CHAT_TEST_S3 || undefined };
}

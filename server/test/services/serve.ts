/**
 * `node server/test/services/serve.ts` starts the test Redis, Cassandra and SeaweedFS once and keeps
 * them until Ctrl-C, printing the `export CHAT_TEST_…` lines that make every later vitest run reuse
 * them (see global-setup.ts). For development only: CI starts fresh servers per run.
 */
import { startCassandra } from "./cassandra.ts";
import { startRedis } from "./redis.ts";
import { startSeaweedfs } from "./seaweedfs.ts";

const [redis, cassandra, seaweedfs] = await Promise.all([startRedis(), startCassandra(), startSeaweedfs()]);
console.log(`export CHAT_TEST_REDIS_URL=${redis.url}`);
console.log(`export CHAT_TEST_CASSANDRA=${cassandra.contactPoint}`);
console.log(`export CHAT_TEST_CASSANDRA_DC=${cassandra.localDataCenter}`);
console.log(`export CHAT_TEST_S3=${seaweedfs.s3Url}`);
const shutdown = (): void => {
  void Promise.allSettled([redis.stop(), cassandra.stop(), seaweedfs.stop()]).then(() => process.exit(0));
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);

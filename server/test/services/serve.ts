/**
 * `node server/test/services/serve.ts` starts the test Redis and Cassandra once and keeps them until
 * Ctrl-C, printing the `export CHAT_TEST_…` lines that make every later vitest run reuse them (see
 * global-setup.ts). For development only: CI starts fresh servers per run.
 */
import { startCassandra } from "./cassandra.ts";
import { startRedis } from "./redis.ts";

const [redis, cassandra] = await Promise.all([startRedis(), startCassandra()]);
console.log(`export CHAT_TEST_REDIS_URL=${redis.url}`);
console.log(`export CHAT_TEST_CASSANDRA=${cassandra.contactPoint}`);
console.log(`export CHAT_TEST_CASSANDRA_DC=${cassandra.localDataCenter}`);
const shutdown = (): void => {
  void Promise.allSettled([redis.stop(), cassandra.stop()]).then(() => process.exit(0));
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);

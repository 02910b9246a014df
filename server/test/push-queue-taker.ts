// A push worker that takes one job and dies mid-job (the parent SIGKILLs it): run as
// `node push-queue-taker.ts <redis url> <key prefix> <visibility ms>`; prints "taken <job id>" once it
// holds a job, then waits forever without completing it.
import { createRedisPushQueue } from "../src/engines/push-queue/redis/redis-push-queue.ts";

const [url, keyPrefix, visibilityMs] = process.argv.slice(2) as [string, string, string];
const queue = createRedisPushQueue({ url, keyPrefix, visibilityMs: Number(visibilityMs), maxPendingPerUser: 100 });
for (;;) {
  const [job] = await queue.take("doomed-worker", 1, 1_000);
  if (!job) continue;
  process.stdout.write(`taken ${job.id}\n`);
  await new Promise(() => {}); // mid-job, until killed
}

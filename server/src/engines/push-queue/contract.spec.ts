import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisDeployments } from "../../../test/services/redis-deployments.ts";
import { createSqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { PushJob, PushMessage, PushQueue, PushQueueOptions } from "./interface.ts";
import { createRedisPushQueue } from "./redis/redis-push-queue.ts";

/** Short, so that the lapse of a take is a test of a few hundred ms. */
const options: PushQueueOptions = { visibilityMs: 400, maxPendingPerUser: 3 };

/**
 * Each engine under test, as two nodes: the Redis queues share their keys as two nodes of a cluster
 * do; the embedded queue belongs to one process, so both "nodes" are the one queue.
 */
const engines: { name: string; open(): Promise<{ a: PushQueue; b: PushQueue; close(): Promise<void> }> }[] = [
  { name: "sqlite", async open() {
    const dir = mkdtempSync(join(tmpdir(), "push-queue-"));
    const store = createSqliteStore({ path: join(dir, "chat.sqlite") });
    const queue = store.pushQueue({ ...options, pollMs: 20 });
    return { a: queue, b: queue, async close() {
      await queue.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    } };
  } },
  ...redisDeployments.filter((r) => r.name !== "redis sentinel").map((redis) => ({
    name: redis.name,
    async open() {
      const url = await redis.url();
      const keyPrefix = `test:${randomUUID()}:`;
      const [a, b] = [createRedisPushQueue({ ...options, url, keyPrefix }), createRedisPushQueue({ ...options, url, keyPrefix })];
      return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
    },
  })),
];

describe.each(engines)("PushQueue contract: $name", (engine) => {
  let a: PushQueue;
  let b: PushQueue;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ a, b, close } = await engine.open());
  }, 60_000);
  afterAll(async () => close?.());

  const message = (userId: string, conversationId: string, seq: number, extra: Partial<PushMessage> = {}): PushMessage => ({
    userId, conversationId, senderId: "s", seq, mention: false, text: `text ${seq}`, enqueuedAt: Date.now(), ...extra,
  });
  /** Takes from one node until it has `n` jobs of `userId` (others' jobs are completed away), within a deadline. */
  const takeOf = async (q: PushQueue, userId: string, n: number, deadlineMs = 3_000): Promise<PushJob[]> => {
    const got: PushJob[] = [];
    const end = Date.now() + deadlineMs;
    while (got.length < n && Date.now() < end) {
      for (const job of await q.take("w", 10, 100)) {
        if (job.userId === userId) got.push(job);
      }
    }
    return got;
  };

  it("a job is taken once, with its first attempt, and is gone once completed", async () => {
    const user = randomUUID();
    expect(await a.enqueue(message(user, "c1", 5))).toBe("queued");
    const [job] = await takeOf(b, user, 1);
    expect(job).toMatchObject({ userId: user, conversationId: "c1", seq: 5, count: 1, attempt: 1, text: "text 5", mention: false });
    await b.complete(job!);
    expect(await takeOf(a, user, 1, 600)).toEqual([]);
  });

  it("messages of one conversation collapse into the job until it is taken, then start a new one", async () => {
    const user = randomUUID();
    expect(await a.enqueue(message(user, "c1", 1))).toBe("queued");
    expect(await b.enqueue(message(user, "c1", 3, { mention: true, senderId: "m" }))).toBe("collapsed");
    expect(await a.enqueue(message(user, "c1", 2))).toBe("collapsed"); // an older seq arriving late keeps the newest text
    expect(await a.enqueue(message(user, "c2", 1))).toBe("queued");
    const jobs = await takeOf(b, user, 2);
    const c1 = jobs.find((j) => j.conversationId === "c1");
    expect(c1).toMatchObject({ count: 3, seq: 3, text: "text 3", senderId: "m", mention: true, attempt: 1 });
    expect(jobs.find((j) => j.conversationId === "c2")).toMatchObject({ count: 1 });
    // Taken: a new message is a new job, not a change to the one in flight.
    expect(await a.enqueue(message(user, "c1", 4))).toBe("queued");
    const [next] = await takeOf(a, user, 1);
    expect(next).toMatchObject({ conversationId: "c1", count: 1, seq: 4 });
    await Promise.all([...jobs, next!].map((j) => a.complete(j)));
  });

  it("a retried job comes back no earlier than its delay, as its next attempt, and absorbs no new message", async () => {
    const user = randomUUID();
    await a.enqueue(message(user, "c1", 1));
    const [job] = await takeOf(a, user, 1);
    const retriedAt = Date.now();
    await a.retry(job!, 300);
    expect(await a.enqueue(message(user, "c1", 2))).toBe("queued");
    const [fresh] = await takeOf(b, user, 1);
    expect(fresh).toMatchObject({ seq: 2, attempt: 1 });
    // Completed before waiting for the retried one: left taken, on a slow machine its visibility
    // timeout could run out first and the next take would rightly redeliver it instead.
    await b.complete(fresh!);
    const [again] = await takeOf(b, user, 1);
    expect(Date.now() - retriedAt).toBeGreaterThanOrEqual(280);
    expect(again).toMatchObject({ id: job!.id, seq: 1, count: 1, attempt: 2 });
    await b.complete(again!);
  });

  it("a job taken by a worker that never finishes it is delivered again after the visibility timeout", async () => {
    const user = randomUUID();
    await a.enqueue(message(user, "c1", 1));
    const [lost] = await takeOf(a, user, 1); // its taker "crashes": no complete, no retry
    const takenAt = Date.now();
    const [again] = await takeOf(b, user, 1, 3_000);
    expect(Date.now() - takenAt).toBeGreaterThanOrEqual(options.visibilityMs - 50);
    expect(again).toMatchObject({ id: lost!.id, attempt: 2 });
    await b.complete(again!);
  });

  it("each job goes to one taker when two nodes take at once", async () => {
    const user = randomUUID();
    for (let i = 0; i < 3; i++) await a.enqueue(message(user, `c${i}`, 1));
    const [x, y] = await Promise.all([takeOf(a, user, 3, 250), takeOf(b, user, 3, 250)]);
    expect([...x, ...y].map((j) => j.conversationId).sort()).toEqual(["c0", "c1", "c2"]);
    await Promise.all([...x, ...y].map((j) => a.complete(j)));
  });

  it("a user's pending jobs are bounded; completing one makes room", async () => {
    const user = randomUUID();
    for (let i = 0; i < options.maxPendingPerUser; i++) expect(await a.enqueue(message(user, `c${i}`, 1))).toBe("queued");
    expect(await b.enqueue(message(user, "cx", 1))).toBe("full");
    expect(await b.enqueue(message(user, "c0", 2))).toBe("collapsed"); // a pending job still takes more
    const jobs = await takeOf(a, user, options.maxPendingPerUser);
    await a.complete(jobs[0]!);
    expect(await b.enqueue(message(user, "cx", 1))).toBe("queued");
    await Promise.all([...jobs.slice(1), ...(await takeOf(a, user, 1))].map((j) => a.complete(j)));
  });

  it("an enqueue wakes a waiting take at once", async () => {
    const user = randomUUID();
    const started = Date.now();
    const waiting = b.take("w", 10, 5_000);
    setTimeout(() => void a.enqueue(message(user, "c1", 1)), 50);
    const jobs = (await waiting).filter((j) => j.userId === user);
    expect(jobs).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
    await b.complete(jobs[0]!);
  });
});

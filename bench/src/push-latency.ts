#!/usr/bin/env node
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import webpush from "web-push";
import type { PushQueue } from "../../server/src/engines/push-queue/interface.ts";
import { createRedisPushQueue } from "../../server/src/engines/push-queue/redis/redis-push-queue.ts";
import { createMemorySessionMap } from "../../server/src/engines/sessions/memory/memory-session-map.ts";
import { createSqliteStore } from "../../server/src/engines/store/sqlite/sqlite-store.ts";
import type { PushPayload } from "../../server/src/push/providers/notification-payload.ts";
import { createPushProviders } from "../../server/src/push/providers/push-providers.ts";
import { PushWorker } from "../../server/src/push/push-worker.ts";
import { startWebPushFake } from "../../server/test/push/web-push-fake.ts";
import { machineInfo } from "./machine.ts";

/**
 * `node bench/src/push-latency.ts [--rounds 3] [--messages 2000] [--rate 200] [--queue embedded,redis]`:
 * push enqueue → provider request latency. Messages go into the queue at a fixed rate (open loop), each
 * for its own (user, conversation) so nothing collapses; one worker (concurrency 16, as configured by
 * default) takes them and sends each through the real Web Push provider (VAPID, aes128gcm) to the local
 * Web Push fake. Latency is from just before `enqueue` to the fake accepting the request (after it
 * verified the VAPID token and decrypted the payload). The embedded queue is the SQLite table (writer
 * thread, fsync per batch); the Redis queue is the Stream + consumer group on `--redis-url`.
 */
const { values } = parseArgs({ options: {
  rounds: { type: "string", default: "3" }, messages: { type: "string", default: "2000" }, rate: { type: "string", default: "200" },
  users: { type: "string", default: "200" }, queue: { type: "string", default: "embedded,redis" },
  "redis-url": { type: "string", default: process.env.CHAT_TEST_REDIS_URL ?? "redis://127.0.0.1:6379" },
} });
const rounds = Number(values.rounds);
const messages = Number(values.messages);
const rate = Number(values.rate);
const userCount = Number(values.users);

/** One run of one queue: latencies in ms, sorted. */
async function run(kind: string): Promise<number[]> {
  const fake = await startWebPushFake();
  const dir = mkdtempSync(join(tmpdir(), "push-bench-"));
  const store = createSqliteStore({ path: join(dir, "chat.sqlite") });
  const vapidKeys = webpush.generateVAPIDKeys();
  const providers = createPushProviders({ webPush: { vapidKeys, subject: "mailto:bench@example.com", endpointHosts: ["127.0.0.1"], ca: fake.ca } });
  const options = { visibilityMs: 60_000, maxPendingPerUser: 100 };
  const queue: PushQueue = kind === "redis"
    ? createRedisPushQueue({ ...options, url: values["redis-url"], keyPrefix: `bench:${randomUUID()}:` })
    : store.pushQueue(options);
  const users = Array.from({ length: userCount }, () => randomUUID());
  for (const userId of users) {
    const s = fake.subscribe(vapidKeys.publicKey);
    await store.putPushEndpoint({ userId, deviceId: randomUUID(), provider: "webpush", token: s.endpoint, p256dh: s.p256dh, auth: s.auth, registeredAt: new Date() });
  }
  const enqueued = new Map<string, number>();
  const latencies: number[] = [];
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  const accept = fake.record.accept.bind(fake.record);
  fake.record.accept = (item) => {
    const at = performance.now();
    latencies.push(at - enqueued.get((item.payload as PushPayload).conversationId)!);
    if (latencies.length === messages) done();
    accept(item);
  };
  const worker = new PushWorker({
    queue, store, sessions: createMemorySessionMap(), providers, consumer: "bench", concurrency: 16,
    retry: { maxAttempts: 3, baseMs: 1_000, maxMs: 5_000 }, ttlSeconds: 60, onError: (err) => console.error(err), log: (d, m) => console.error(m, d),
  });
  worker.start();
  const start = performance.now();
  for (let i = 0; i < messages; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const conversationId = `c${i}`;
    enqueued.set(conversationId, performance.now());
    void queue.enqueue({ userId: users[i % users.length]!, conversationId, senderId: "s", seq: i + 1, mention: false, text: "", enqueuedAt: Date.now() })
      .catch((err: unknown) => console.error("enqueue failed", err));
  }
  const timeout = setTimeout(() => done(), 60_000);
  await all;
  clearTimeout(timeout);
  if (latencies.length < messages || fake.record.refused.length > 0) {
    console.error(`${kind}: ${latencies.length}/${messages} accepted; refused: ${fake.record.refused.slice(0, 3).join("; ")}`);
  }
  await worker.drain();
  await queue.close();
  await providers.close();
  await store.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  return latencies.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
console.log(JSON.stringify({ started: new Date().toISOString(), machine: machineInfo(), messages, rate, users: userCount }));
for (let round = 1; round <= rounds; round++) {
  for (const kind of values.queue.split(",")) {
    const sorted = await run(kind);
    console.log(JSON.stringify({
      round, queue: kind, accepted: sorted.length, p50: +pct(sorted, 50).toFixed(2), p99: +pct(sorted, 99).toFixed(2), max: +(sorted.at(-1) ?? 0).toFixed(2),
    }));
  }
}

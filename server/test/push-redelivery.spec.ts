import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import webpush from "web-push";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { createRedisPushQueue } from "../src/engines/push-queue/redis/redis-push-queue.ts";
import { createMemorySessionMap } from "../src/engines/sessions/memory/memory-session-map.ts";
import { createSqliteStore } from "../src/engines/store/sqlite/sqlite-store.ts";
import { createPushProviders } from "../src/push/providers/push-providers.ts";
import type { PushPayload } from "../src/push/providers/notification-payload.ts";
import { PushWorker } from "../src/push/push-worker.ts";
import { startWebPushFake, type WebPushFake } from "./push/web-push-fake.ts";

const takerTs = fileURLToPath(new URL("./push-queue-taker.ts", import.meta.url));
const visibilityMs = 800;

let fake: WebPushFake;
let dir: string;
beforeAll(async () => {
  fake = await startWebPushFake();
  dir = mkdtempSync(join(tmpdir(), "push-redelivery-"));
});
afterAll(async () => {
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("a job whose worker process is killed mid-job is delivered by another node's worker after the visibility timeout", async () => {
  const url = inject("redisUrl");
  const keyPrefix = `test:${randomUUID()}:`;
  const store = createSqliteStore({ path: join(dir, "chat.sqlite") });
  const vapidKeys = webpush.generateVAPIDKeys();
  const providers = createPushProviders({ webPush: { vapidKeys, subject: "mailto:ops@example.com", endpointHosts: ["127.0.0.1"], ca: fake.ca } });
  const subscription = fake.subscribe(vapidKeys.publicKey);
  const userId = randomUUID();
  await store.putPushEndpoint({ userId, deviceId: randomUUID(), provider: "webpush", token: subscription.endpoint, p256dh: subscription.p256dh, auth: subscription.auth, registeredAt: new Date() });

  // Node 1's worker, a process of its own, takes the job and is killed holding it.
  const child = spawn(process.execPath, [takerTs, url, keyPrefix, String(visibilityMs)], { stdio: ["ignore", "pipe", "inherit"] });
  const queue = createRedisPushQueue({ url, keyPrefix, visibilityMs, maxPendingPerUser: 100 });
  const worker = new PushWorker({
    queue, store, sessions: createMemorySessionMap(), providers, consumer: "survivor", concurrency: 4,
    retry: { maxAttempts: 3, baseMs: 100, maxMs: 400 }, ttlSeconds: 60, onError: (err) => console.error(err), log: () => {},
  });
  try {
    const taken = new Promise<string>((resolve, reject) => {
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        const id = /taken (\S+)/.exec(chunk)?.[1];
        if (id) resolve(id);
      });
      child.once("exit", (code) => reject(new Error(`the taker exited (${code}) before taking the job`)));
      setTimeout(() => reject(new Error("the taker took nothing in 10 s")), 10_000);
    });
    await queue.enqueue({ userId, conversationId: "c1", senderId: "s", seq: 7, mention: false, text: "", enqueuedAt: Date.now() });
    await taken;
    child.kill("SIGKILL");
    const killedAt = Date.now();

    worker.start(); // node 2
    const [push] = await fake.record.waitForAccepted(1, 10_000);
    expect(push?.payload as PushPayload).toMatchObject({ conversationId: "c1", seq: 7, count: 1 });
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(visibilityMs - 200);
    // The worker counts the send once the service's answer is in, just after the fake recorded it.
    for (const end = Date.now() + 5_000; worker.counts.sent === 0 && Date.now() < end;) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(worker.counts).toMatchObject({ sent: 1, retried: 0, dropped: 0 });
  } finally {
    child.kill("SIGKILL");
    await worker.drain();
    await queue.close();
    await providers.close();
    await store.close();
  }
}, 30_000);

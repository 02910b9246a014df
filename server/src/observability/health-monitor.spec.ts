import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisSessionMap } from "../engines/sessions/redis/redis-session-map.ts";
import { type RedisHandle, startRedis } from "../../test/services/redis.ts";
import { type Health, HealthMonitor } from "./health-monitor.ts";

/** Waits until the monitor reports `serving`, probing as a running node does, or fails after 10 s. */
async function until(monitor: HealthMonitor, serving: boolean): Promise<Health> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const health = await monitor.probe();
    if (health.serving === serving) return health;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(health)} after 10 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("HealthMonitor against a real Redis", () => {
  // A private Redis: this test freezes it, which the shared one must never be.
  let redis: RedisHandle;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.stop());

  it("is NOT_SERVING while Redis does not answer and SERVING again once it does", async () => {
    const sessions = createRedisSessionMap({ url: redis.url, ttlMs: 10_000, onError: () => {} });
    const changes: Health[] = [];
    const monitor = new HealthMonitor({ probes: { sessions: () => sessions.presence(["00000000-0000-0000-0000-000000000000"]) }, deadlineMs: 500, intervalMs: 60_000 });
    monitor.watch((h) => changes.push(h));
    expect((await monitor.probe()).serving).toBe(true);
    // CLIENT PAUSE makes Redis hold every client's commands, as a hung or partitioned server would.
    const admin = new Redis(redis.url);
    await admin.call("CLIENT", "PAUSE", "2000", "ALL");
    const down = await until(monitor, false);
    expect(down.reason).toBe("sessions: no answer within 500 ms");
    await until(monitor, true);
    admin.disconnect();
    expect(changes.map((h) => h.serving)).toEqual([false, true]);
    monitor.drain();
    expect(monitor.health).toEqual({ serving: false, reason: "draining" });
    monitor.close();
    await sessions.close();
  });
});

import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisDeployments } from "../../../test/services/redis-deployments.ts";
import type { RateLimiter } from "./interface.ts";
import { createMemoryRateLimiter } from "./memory/memory-rate-limiter.ts";
import { createRedisRateLimiter } from "./redis/redis-rate-limiter.ts";

/** Each engine under test; two Redis limiters share their buckets as two nodes of a cluster do. */
const engines: { name: string; open(): Promise<[RateLimiter, RateLimiter]> }[] = [
  { name: "memory", open: async () => ((l) => [l, l] as [RateLimiter, RateLimiter])(createMemoryRateLimiter()) },
  ...redisDeployments.map((redis) => ({
    name: redis.name,
    open: async (): Promise<[RateLimiter, RateLimiter]> => {
      const keyPrefix = `test:${randomUUID()}:`;
      const url = await redis.url();
      return [createRedisRateLimiter({ url, keyPrefix }), createRedisRateLimiter({ url, keyPrefix })];
    },
  })),
];

describe.each(engines)("RateLimiter contract: $name", (engine) => {
  let a: RateLimiter;
  let b: RateLimiter;
  beforeAll(async () => {
    [a, b] = await engine.open();
  }, 30_000);
  afterAll(async () => {
    await a.close();
    if (b !== a) await b.close();
  });
  const bucket = { burst: 3, perSecond: 10 };
  const lockout = { free: 2, baseMs: 200, maxMs: 1_000, forgetMs: 60_000 };

  it("a bucket gives its burst across nodes, then says when the next token is back, and refills", async () => {
    const key = randomUUID();
    expect([await a.take(key, bucket), await b.take(key, bucket), await a.take(key, bucket)]).toEqual([0, 0, 0]);
    const wait = await b.take(key, bucket);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(100);
    await sleep(wait + 20); // the wait the limiter asked for is the event under test
    expect(await a.take(key, bucket)).toBe(0);
  });

  it("takes are atomic: of 20 concurrent takes exactly the burst succeed", async () => {
    const key = randomUUID();
    const rule = { burst: 5, perSecond: 0.01 };
    const waits = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).take(key, rule)));
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
  });

  it("takes of one moment on several buckets with their own rules each get their bucket's answer", async () => {
    const [one, two] = [randomUUID(), randomUUID()];
    const [r1, r2] = [{ burst: 1, perSecond: 0.01 }, { burst: 2, perSecond: 0.01 }];
    const waits = await Promise.all([a.take(one, r1), a.take(two, r2), a.take(one, r1), a.take(two, r2), a.take(two, r2)]);
    expect(waits.map((w) => w > 0)).toEqual([false, false, true, false, true]);
  });

  it("locks out after the free failures, doubling, capped; a reset forgets", async () => {
    const key = randomUUID();
    expect(await a.fail(key, lockout)).toBe(0);
    expect(await b.fail(key, lockout)).toBe(0);
    expect(await a.lockedFor(key)).toBe(0);
    expect(await b.fail(key, lockout)).toBe(200);
    const left = await a.lockedFor(key);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(200);
    expect(await a.fail(key, lockout)).toBe(400);
    expect(await a.fail(key, lockout)).toBe(800);
    expect(await a.fail(key, lockout)).toBe(1_000);
    await b.reset(key);
    expect(await a.lockedFor(key)).toBe(0);
    expect(await a.fail(key, lockout)).toBe(0);
  });

  it("an attempt counts as a failure in advance unless locked: of many at once, only the free ones and the one that locks go ahead", async () => {
    const key = randomUUID();
    // free = 2: attempts 1 and 2 go ahead unlocked, the 3rd goes ahead and starts the lockout, the rest are refused.
    const waits = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).attempt(key, lockout)));
    expect(waits.filter((w) => w === 0)).toHaveLength(3);
    expect(waits.filter((w) => w > 0 && w <= 200)).toHaveLength(7);
    expect(await a.lockedFor(key)).toBeGreaterThan(0);
    await b.reset(key); // the attempt that succeeded
    expect(await a.attempt(key, lockout)).toBe(0);
    expect(await a.lockedFor(key)).toBe(0);
  });

  it("keys are independent", async () => {
    const [k1, k2] = [randomUUID(), randomUUID()];
    for (let i = 0; i < 3; i++) await a.take(k1, bucket);
    expect(await a.take(k1, bucket)).toBeGreaterThan(0);
    expect(await a.take(k2, bucket)).toBe(0);
  });
});

describe("memory RateLimiter", () => {
  it("holds at most maxKeys keys, dropping the least recently used", async () => {
    const limiter = createMemoryRateLimiter({ maxKeys: 100 });
    const rule = { burst: 1, perSecond: 0.001 };
    await limiter.take("hot", rule);
    for (let i = 0; i < 1_000; i++) {
      await limiter.take(`cold-${i}`, rule);
      if (i % 50 === 0) await limiter.fail("hot-lock", { free: 0, baseMs: 60_000, maxMs: 60_000, forgetMs: 60_000 });
    }
    expect(await limiter.lockedFor("hot-lock")).toBeGreaterThan(0);
    expect(await limiter.take("cold-0", rule)).toBe(0); // dropped long ago: starts full again
  });
});

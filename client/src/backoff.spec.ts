import { describe, expect, it } from "vitest";
import { Backoff, backoffDelay, retryAfterMs } from "./backoff.ts";

describe("backoffDelay", () => {
  const top = () => 0.999_999;

  it("doubles the ceiling per attempt from the base", () => {
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, { baseMs: 100, capMs: 10_000, random: top }))).toEqual([99, 199, 399, 799]);
  });

  it("never exceeds the cap, even for huge attempt numbers", () => {
    for (const attempt of [6, 10, 100, 5_000]) {
      expect(backoffDelay(attempt, { baseMs: 250, capMs: 10_000, random: top })).toBe(9_999);
    }
  });

  it("is a uniform pick from zero (full jitter)", () => {
    expect(backoffDelay(5, { baseMs: 100, capMs: 10_000, random: () => 0 })).toBe(0);
    expect(backoffDelay(5, { baseMs: 100, capMs: 10_000, random: () => 0.5 })).toBe(1_600);
    const seen = new Set(Array.from({ length: 200 }, () => backoffDelay(4)));
    expect(seen.size).toBeGreaterThan(50);
    for (const d of seen) expect(d).toBeGreaterThanOrEqual(0), expect(d).toBeLessThan(4_000);
  });

  it("defaults to 250 ms base and 10 s cap", () => {
    expect(backoffDelay(0, { random: top })).toBe(249);
    expect(backoffDelay(20, { random: top })).toBe(9_999);
  });
});

describe("Backoff", () => {
  it("grows with each attempt and starts over after reset", () => {
    const backoff = new Backoff({ baseMs: 10, capMs: 1_000, random: () => 0.999_999 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([9, 19, 39]);
    expect(backoff.attempts).toBe(3);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(9);
  });
});

describe("retryAfterMs", () => {
  it("reads retry-after-ms, else retry-after in seconds, else nothing", () => {
    const err = (h: Record<string, string>) => ({ metadata: new Headers(h) });
    expect(retryAfterMs(err({ "retry-after-ms": "1500", "retry-after": "2" }))).toBe(1500);
    expect(retryAfterMs(err({ "retry-after": "3" }))).toBe(3000);
    expect(retryAfterMs(err({}))).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});

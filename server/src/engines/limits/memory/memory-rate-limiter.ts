import { type BucketRule, type LockoutRule, lockoutMs, type RateLimiter } from "../interface.ts";

/** Options of the in-process limiter. */
export interface MemoryRateLimiterOptions {
  /**
   * Keys held at most (buckets and lockouts together); the least recently used one is dropped past
   * it, since keys come from clients (addresses, usernames). Default 100,000 (~15 MB).
   */
  maxKeys?: number;
  /** The clock, in ms; tests pass their own. */
  now?: () => number;
}

type Entry =
  | { kind: "bucket"; tokens: number; at: number }
  | { kind: "lockout"; failures: number; lockedUntil: number; forgetAt: number };

/**
 * The embedded limiter: limits hold within this process only. A dropped key starts over (a full
 * bucket, no failures), which errs on the client's side; with the default size an attacker needs
 * 100,000 fresh keys to push one out.
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): RateLimiter {
  const maxKeys = options.maxKeys ?? 100_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  // Map iteration order is insertion order: re-inserting on use makes the first key the least recent.
  const touch = (key: string, entry: Entry) => {
    entries.delete(key);
    entries.set(key, entry);
    if (entries.size > maxKeys) entries.delete(entries.keys().next().value as string);
  };
  const lockout = (key: string, t: number) => {
    const e = entries.get(key);
    return e?.kind === "lockout" && e.forgetAt > t ? e : undefined;
  };
  const lockedFor = (key: string, t: number) => Math.max(0, (lockout(key, t)?.lockedUntil ?? t) - t);
  const fail = (key: string, rule: LockoutRule, t: number) => {
    const failures = (lockout(key, t)?.failures ?? 0) + 1;
    const ms = lockoutMs(failures, rule);
    touch(key, { kind: "lockout", failures, lockedUntil: t + ms, forgetAt: t + Math.max(rule.forgetMs, ms) });
    return ms;
  };
  return {
    async take(key: string, rule: BucketRule): Promise<number> {
      const t = now();
      const e = entries.get(key);
      const b = e?.kind === "bucket" ? e : { kind: "bucket" as const, tokens: rule.burst, at: t };
      b.tokens = Math.min(rule.burst, b.tokens + ((t - b.at) / 1000) * rule.perSecond);
      b.at = t;
      touch(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - b.tokens) / rule.perSecond) * 1000);
    },
    async fail(key: string, rule: LockoutRule): Promise<number> {
      return fail(key, rule, now());
    },
    // No await between the check and the count: concurrent attempts cannot both pass the check.
    async attempt(key: string, rule: LockoutRule): Promise<number> {
      const t = now();
      const locked = lockedFor(key, t);
      if (locked === 0) fail(key, rule, t);
      return locked;
    },
    async lockedFor(key: string): Promise<number> {
      return lockedFor(key, now());
    },
    async reset(key: string): Promise<void> {
      entries.delete(key);
    },
    async close(): Promise<void> {
      entries.clear();
    },
  };
}

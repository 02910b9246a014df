/**
 * Rate limits: token buckets and failure lockouts under string keys ("login-ip:10.0.0.7"). The
 * embedded limiter holds them in this process; the Redis one in Redis, so that a limit holds across
 * every node of a cluster (a client cannot multiply its rate by spreading calls over nodes).
 */
export interface RateLimiter {
  /**
   * Takes one token from the bucket `key` (created full), atomically. Resolves 0 when the token was
   * taken, or the milliseconds until one will be back (nothing is taken then).
   */
  take(key: string, rule: BucketRule): Promise<number>;
  /**
   * Counts a failure under `key` and resolves the lockout it now carries, in ms: 0 for the first
   * `rule.free` failures, then `baseMs · 2^(failures − free − 1)`, at most `maxMs`. Failures are
   * forgotten `rule.forgetMs` after the last one.
   */
  fail(key: string, rule: LockoutRule): Promise<number>;
  /**
   * Counts an attempt under `key` as a failure in advance, atomically, unless `key` is locked out:
   * resolves 0 when the attempt may go ahead (it then counts, with the lockout `fail` would give it,
   * until a `reset` after a success), or the ms left of the lockout (nothing counted). Checking and
   * counting in one step is what stops concurrent attempts from all passing a check that no failure
   * has reached yet.
   */
  attempt(key: string, rule: LockoutRule): Promise<number>;
  /** Milliseconds left of `key`'s lockout, 0 when it has none. */
  lockedFor(key: string): Promise<number>;
  /** Forgets `key`'s failures (after a success). */
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

/** A token bucket: `burst` tokens at most, refilled at `perSecond`. */
export interface BucketRule {
  burst: number;
  perSecond: number;
}

/** An exponential lockout after repeated failures. */
export interface LockoutRule {
  /** Failures allowed before the first lockout. */
  free: number;
  /** The first lockout; each further failure doubles it. */
  baseMs: number;
  maxMs: number;
  /** Failures are forgotten this long after the last one. */
  forgetMs: number;
}

/** The lockout after `failures` failures under `rule`, in ms. */
export function lockoutMs(failures: number, rule: LockoutRule): number {
  if (failures <= rule.free) return 0;
  return Math.min(rule.maxMs, rule.baseMs * 2 ** Math.min(40, failures - rule.free - 1));
}

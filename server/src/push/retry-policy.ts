/** How the push worker retries a notification a push service could not take yet. */
export interface RetryPolicy {
  /** Deliveries of a job at most (the first included); after the last, the job is dropped with a log line. */
  maxAttempts: number;
  /** The delay after the first failed attempt; each next one doubles, up to `maxMs`. */
  baseMs: number;
  maxMs: number;
}

/** The defaults: 8 attempts over about ten minutes. */
export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 8, baseMs: 2_000, maxMs: 300_000 };

/**
 * The delay before the next attempt after `attempt` failed: exponential (base · 2^(attempt-1), capped)
 * with "equal jitter" (half fixed, half random), so that the jobs of one outage do not come back in
 * lockstep; never shorter than the service's Retry-After, which it asked for.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.ceil(Math.max(jittered, retryAfterMs ?? 0));
}

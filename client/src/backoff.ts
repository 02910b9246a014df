/** How reconnect delays grow. */
export interface BackoffOptions {
  /** Ceiling of the first delay, in ms. Default 250. */
  baseMs?: number;
  /** No delay is ever longer than this, in ms. Default 10,000. */
  capMs?: number;
  /** A number in [0, 1); `Math.random` by default. Tests pass their own to pin the jitter. */
  random?: () => number;
}

const defaultBaseMs = 250;
const defaultCapMs = 10_000;

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry): exponential growth with
 * "full jitter", a uniform pick in [0, min(cap, base·2^attempt)). Full jitter spreads the clients of
 * a restarted server over the whole window instead of letting them all come back in the same
 * instant, which is what brings a server straight down again.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? defaultBaseMs;
  const cap = options.capMs ?? defaultCapMs;
  const random = options.random ?? Math.random;
  // 2^attempt overflows to Infinity long after it passed the cap; min() keeps it finite.
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/** Counts failed attempts and hands out their delays; `reset()` after a healthy connection. */
export class Backoff {
  private readonly options: BackoffOptions;
  private attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.options = options;
  }

  /** Attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt; each call counts one more failed attempt. */
  next(): number {
    return backoffDelay(this.attempt++, this.options);
  }

  /** Starts over from the base delay. */
  reset(): void {
    this.attempt = 0;
  }
}

/**
 * How long a rate-limited server asked to wait (ResourceExhausted with `retry-after-ms`, or
 * `retry-after` in seconds, in the error's metadata), in ms; undefined when it did not say.
 */
export function retryAfterMs(error: { metadata: Headers } | undefined): number | undefined {
  const ms = Number(error?.metadata.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const seconds = Number(error?.metadata.get("retry-after") ?? Number.NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * Microseconds on the machine's monotonic clock (CLOCK_MONOTONIC, what `process.hrtime` reads).
 *
 * Every process on the machine reads the same clock, so a time stamped into a message by one load
 * agent can be subtracted from the arrival time seen by another: send→receive latency across
 * processes needs no clock sync and does not jump when the wall clock is adjusted.
 */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when the monotonic clock reaches `us` (at once when it is past). */
export async function sleepUntil(us: number): Promise<void> {
  const ms = (us - nowUs()) / 1000;
  if (ms > 0) await sleep(ms);
}

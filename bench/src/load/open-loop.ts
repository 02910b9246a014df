import { nowUs } from "./clock.ts";
import { createHistogram, type LatencyHistogram, record } from "./histogram.ts";

/** Options of {@link runOpenLoop}. */
export interface OpenLoopOptions {
  /** Arrivals per second, spread evenly; `Infinity` fires them all at once. */
  rate: number;
  /** When the first arrival is due, on the monotonic clock (µs). */
  startUs: number;
  /** How many arrivals. */
  count: number;
  /** Does one arrival. `scheduledUs` is when it was due: latencies are measured from there. */
  fire(scheduledUs: number, index: number): void;
}

/** What an open loop did. */
export interface OpenLoopResult {
  /** Arrivals fired. */
  fired: number;
  /** How late each arrival was fired (µs): when it grows, the generator itself is the bottleneck. */
  lag: LatencyHistogram;
}

/**
 * Fires arrivals at a constant rate whatever the system under test does: an open loop.
 *
 * A closed loop (send, wait for the answer, send again) slows down with the server and so hides
 * exactly the stalls it should measure ("coordinated omission"). Here every arrival has a fixed
 * schedule, `fire` gets that scheduled time, and latency is taken from it; when the process falls
 * behind, the overdue arrivals are fired at once in a burst, still carrying their original times.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { rate, startUs, count: total, fire } = options;
  const intervalUs = Number.isFinite(rate) ? 1e6 / rate : 0;
  const lag = createHistogram();
  let next = 0;
  while (next < total) {
    const now = nowUs();
    const due = now < startUs ? 0 : intervalUs === 0 ? total : Math.min(total, Math.floor((now - startUs) / intervalUs) + 1);
    for (; next < due; next++) {
      const scheduledUs = startUs + next * intervalUs;
      record(lag, now - scheduledUs);
      fire(scheduledUs, next);
    }
    if (next >= total) break;
    const waitUs = startUs + next * intervalUs - nowUs();
    // Sleep, never spin: a busy-waiting generator would take the CPU the server needs. Timers wake
    // to the millisecond, so arrivals go out in small bursts, each still timed from its own schedule.
    await new Promise<void>((resolve) => setTimeout(resolve, Math.max(1, Math.floor(waitUs / 1000))));
  }
  return { fired: next, lag };
}

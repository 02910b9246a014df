import * as hdr from "hdr-histogram-js";

/** A latency histogram in microseconds (HdrHistogram, 3 significant digits, up to 10 minutes). */
export type LatencyHistogram = hdr.Histogram;

/** The figures a summary table and a chart need from one histogram, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** A new, empty histogram. */
export function createHistogram(): LatencyHistogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

/** Records one latency; values below 0 (clock noise across processes) count as 0. */
export function record(histogram: LatencyHistogram, us: number): void {
  histogram.recordValue(us < 0 ? 0 : Math.round(us));
}

/** A compact text form, to carry a histogram from a load agent to the coordinator. */
export function encodeHistogram(histogram: LatencyHistogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** The sum of encoded histograms, as one histogram. */
export function mergeHistograms(encoded: readonly string[]): LatencyHistogram {
  const total = createHistogram();
  for (const e of encoded) {
    const h = hdr.decodeFromCompressedBase64(e);
    total.add(h);
    h.destroy();
  }
  return total;
}

/** Percentiles in milliseconds (rounded to µs), or undefined for an empty histogram. */
export function summarize(histogram: LatencyHistogram): LatencySummary | undefined {
  if (histogram.totalCount === 0) return undefined;
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: histogram.totalCount,
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
    mean: ms(histogram.mean),
  };
}

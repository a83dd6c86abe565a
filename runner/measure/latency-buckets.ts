import * as hdr from 'hdr-histogram-js';

/**
 * Round trips in fixed buckets, for exports that want a histogram (a
 * Prometheus histogram is cumulative counts at fixed upper bounds): 1-2-5
 * steps from 1 µs to 10 s, the same bounds for every run so that repeats and
 * runs add up. Read from the HDR histograms the RR clients recorded (in ns),
 * which keep values to three significant digits: a value is counted in the
 * first bucket whose bound is at or above the bottom of its HDR bucket, so a
 * round trip recorded as exactly 20 µs is in `le="20"` (at most 0.1% wrong).
 */
export const LATENCY_BUCKET_BOUNDS_US: readonly number[] = (() => {
  const bounds: number[] = [];
  for (let decade = 1; decade <= 1e7; decade *= 10) for (const step of [1, 2, 5]) if (decade * step <= 1e7) bounds.push(decade * step);
  return bounds;
})();

export interface LatencyBuckets {
  /** Upper bounds in µs (LATENCY_BUCKET_BOUNDS_US). */
  le_us: number[];
  /** Round trips at or below each bound (cumulative); those above the last bound are only in the total. */
  counts: number[];
}

/** Buckets of the round trips in these compressed HDR histograms (one per stream), or null when none was recorded. */
export function latencyBuckets(encoded: readonly string[]): LatencyBuckets | null {
  const perBucket = new Array<number>(LATENCY_BUCKET_BOUNDS_US.length).fill(0);
  let total = 0;
  for (const e of encoded) {
    // The JavaScript build exposes its recorded values through a public iterator; the WebAssembly one does not.
    const histogram = hdr.decodeFromCompressedBase64(e, 32, false) as unknown as hdr.JsHistogram;
    const values = histogram.recordedValuesIterator;
    values.reset();
    while (values.hasNext()) {
      const step = values.next();
      const us = histogram.lowestEquivalentValue(step.valueIteratedTo) / 1000;
      const bucket = LATENCY_BUCKET_BOUNDS_US.findIndex((le) => us <= le);
      if (bucket >= 0) perBucket[bucket] += step.countAtValueIteratedTo;
      total += step.countAtValueIteratedTo;
    }
  }
  if (total === 0) return null;
  let running = 0;
  return { le_us: [...LATENCY_BUCKET_BOUNDS_US], counts: perBucket.map((c) => (running += c)) };
}

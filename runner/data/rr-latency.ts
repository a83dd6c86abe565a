import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram } from '../measure/latency-histogram.js';

/** The two histograms an RR client fills: this interval's, and the summary's after --omit. */
export class RrLatency {
  readonly interval: Histogram = createLatencyHistogram();
  readonly summary: Histogram = createLatencyHistogram();
  recordSummary = true;

  record(roundTripMs: number): void {
    const ns = Math.max(1, Math.round(roundTripMs * 1e6));
    this.interval.recordValue(ns);
    if (this.recordSummary) this.summary.recordValue(ns);
  }
}

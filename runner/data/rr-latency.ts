import type { LatencyStats } from '../control/messages.js';
import { createLatencyHistogram, encodeHistogram, latencyStatsUs } from '../measure/latency-histogram.js';

/** The two histograms an RR client fills: this interval's, and the summary's after --omit. */
export class RrLatency {
  private readonly interval = createLatencyHistogram();
  private readonly summary = createLatencyHistogram();
  recordSummary = true;

  record(roundTripMs: number): void {
    const ns = Math.max(1, Math.round(roundTripMs * 1e6));
    this.interval.recordValue(ns);
    if (this.recordSummary) this.summary.recordValue(ns);
  }

  /** This interval's percentiles, and a fresh start for the next interval. */
  takeInterval(): LatencyStats | null {
    const stats = latencyStatsUs(this.interval);
    this.interval.reset();
    return stats;
  }

  encodeSummary(): string {
    return encodeHistogram(this.summary);
  }
}

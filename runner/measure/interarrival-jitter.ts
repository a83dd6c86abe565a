/**
 * RFC 3550 section 6.4.1 interarrival jitter: the mean deviation of the
 * difference in packet spacing at the receiver compared to the sender,
 * smoothed with gain 1/16. Clocks need not agree: only differences count.
 */
export class InterarrivalJitter {
  private previousTransit = NaN;
  /** Current estimate, in ms. */
  jitterMs = 0;

  record(sentAtMs: number, arrivedAtMs: number): void {
    const transit = arrivedAtMs - sentAtMs;
    if (!Number.isNaN(this.previousTransit)) {
      const d = Math.abs(transit - this.previousTransit);
      this.jitterMs += (d - this.jitterMs) / 16;
    }
    this.previousTransit = transit;
  }
}

/**
 * The schedule of a paced UDP sender: how many datagrams are owed at a given
 * moment for a target rate. A sender that fell behind (a stall, a busy CPU)
 * makes up at most MAX_CATCH_UP_MS of the schedule at full speed; the rest is
 * forgiven. An unbounded catch-up is a burst at many times the target rate,
 * and the loss it causes on a shaped link would be blamed on the rate under
 * test. What was not sent shows in sender_mbps.
 */
const MAX_CATCH_UP_MS = 20;

export class UdpPacer {
  /** Datagrams per ms to reach the target rate; 0 for unpaced. */
  private readonly datagramsPerMs: number;
  private origin = 0;

  constructor(rateBps: number, datagramBytes: number) {
    this.datagramsPerMs = rateBps > 0 ? rateBps / (8 * datagramBytes) / 1000 : 0;
  }

  get paced(): boolean {
    return this.datagramsPerMs > 0;
  }

  start(now: number): void {
    this.origin = now;
  }

  /** Datagrams owed at `now` by a sender that has sent `sent` (Infinity when unpaced). */
  due(now: number, sent: number): number {
    if (!this.paced) return Infinity;
    const due = Math.floor((now - this.origin) * this.datagramsPerMs) - sent;
    const maxBacklog = Math.max(1, Math.ceil(MAX_CATCH_UP_MS * this.datagramsPerMs));
    if (due <= maxBacklog) return due;
    // Move the schedule's origin so that only maxBacklog datagrams are owed.
    this.origin += (due - maxBacklog) / this.datagramsPerMs;
    return maxBacklog;
  }

  /** A paced sender still owing datagrams goes again at once; otherwise it waits a timer tick. */
  behind(now: number, sent: number): boolean {
    return this.paced && Math.floor((now - this.origin) * this.datagramsPerMs) > sent;
  }
}

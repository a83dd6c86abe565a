/**
 * Counts what a UDP receiver sees of a numbered sequence: distinct packets,
 * gaps (lost so far), late arrivals (out of order) and copies (duplicates).
 *
 * Duplicates are told apart from late arrivals by a bitmap of the last
 * WINDOW sequence numbers; older than that, a datagram counts as out of
 * order. No allocation per packet.
 */
const WINDOW = 1 << 16;
const MASK = WINDOW - 1;

export class UdpSequenceTracker {
  received = 0;
  outOfOrder = 0;
  duplicates = 0;
  /** Highest sequence number seen, -1 before any. */
  highest = -1;
  private readonly seen = new Uint8Array(WINDOW >> 3);

  record(seq: number): void {
    if (seq > this.highest) {
      this.clearRange(this.highest + 1, seq);
      this.mark(seq);
      this.highest = seq;
      this.received++;
      return;
    }
    if (seq <= this.highest - WINDOW) {
      this.outOfOrder++;
      this.received++;
      return;
    }
    if (this.isMarked(seq)) {
      this.duplicates++;
      return;
    }
    this.mark(seq);
    this.outOfOrder++;
    this.received++;
  }

  /** Packets missing below the highest seen: expected so far minus distinct received. */
  get lost(): number {
    return this.highest + 1 - this.received;
  }

  private clearRange(from: number, to: number): void {
    if (to - from >= WINDOW) {
      this.seen.fill(0);
      return;
    }
    for (let s = from; s <= to; s++) this.seen[(s & MASK) >> 3] &= ~(1 << (s & 7));
  }

  private mark(seq: number): void {
    this.seen[(seq & MASK) >> 3] |= 1 << (seq & 7);
  }

  private isMarked(seq: number): boolean {
    return (this.seen[(seq & MASK) >> 3] & (1 << (seq & 7))) !== 0;
  }
}

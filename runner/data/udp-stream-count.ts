import { InterarrivalJitter } from '../measure/interarrival-jitter.js';
import { UdpSequenceTracker } from '../measure/udp-sequence-tracker.js';
import type { StreamCounters } from './stream-counters.js';

/**
 * What a UDP_STREAM receiver counts of each datagram, on either data path:
 * its sequence number into the tracker (distinct, lost, out of order,
 * duplicated), its bytes when it is new, its transit into the RFC 3550
 * jitter estimate. Copied into the role's counters once per sample.
 */
export class UdpStreamCount {
  private readonly tracker = new UdpSequenceTracker();
  private readonly jitter = new InterarrivalJitter();
  private readonly counters: StreamCounters;

  constructor(counters: StreamCounters) {
    this.counters = counters;
  }

  /** One datagram: `sentAt` from its header (sender's clock), `arrivedAt` on the receiver's, both ms. */
  record(seq: number, length: number, sentAt: number, arrivedAt: number): void {
    const before = this.tracker.received;
    this.tracker.record(seq);
    if (this.tracker.received !== before) this.counters.bytes += length;
    this.jitter.record(sentAt, arrivedAt);
  }

  /** Brings the counters up to date, once per sample rather than per datagram. */
  sync(): void {
    const c = this.counters;
    c.packets = this.tracker.received;
    c.lost = this.tracker.lost;
    c.outOfOrder = this.tracker.outOfOrder;
    c.duplicates = this.tracker.duplicates;
    c.jitterMs = this.jitter.jitterMs;
  }
}

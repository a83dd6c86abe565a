import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { InterarrivalJitter } from '../measure/interarrival-jitter.js';
import { UdpSequenceTracker } from '../measure/udp-sequence-tracker.js';
import type { DataClock, DataRole } from './data-role.js';
import { StreamCounters } from './stream-counters.js';
import { answerLateHello } from './udp-data-connection.js';
import { HANDSHAKE_BYTES, STREAM_HEADER_BYTES, isHandshake, readSentAt, readSequence } from './udp-datagram.js';

/**
 * Counts numbered datagrams: distinct, lost, out of order, duplicated, and
 * RFC 3550 jitter. After STOP it listens a short drain for datagrams still in
 * flight; the end of the stream is the last datagram's arrival.
 */
export class UdpStreamReceiver implements DataRole {
  readonly kind = 'receiver';
  readonly counters = new StreamCounters();
  private readonly socket: Socket;
  private readonly clock: DataClock;
  private readonly cookie: Buffer;
  private readonly tracker = new UdpSequenceTracker();
  private readonly jitter = new InterarrivalJitter();
  private lastDatagramAt = 0;
  private counting = true;

  private readonly drainMs: number;

  constructor(socket: Socket, clock: DataClock, cookie: Buffer, drainMs: number) {
    this.socket = socket;
    this.drainMs = drainMs;
    this.clock = clock;
    this.cookie = cookie;
    socket.on('message', this.onDatagram);
  }

  private readonly onDatagram = (msg: Buffer): void => {
    if (msg.length === HANDSHAKE_BYTES && isHandshake(msg)) {
      answerLateHello(this.socket, msg, this.cookie);
      return;
    }
    if (!this.counting || msg.length < STREAM_HEADER_BYTES) return;
    if (!this.clock.started) this.clock.start();
    const now = performance.now();
    const before = this.tracker.received;
    this.tracker.record(readSequence(msg));
    if (this.tracker.received !== before) this.counters.bytes += msg.length;
    this.jitter.record(readSentAt(msg), now);
    this.lastDatagramAt = now;
  };

  /** Copies what the tracker and the jitter estimate hold into the counters, once per sample rather than per datagram. */
  syncCounters(): void {
    const c = this.counters;
    c.packets = this.tracker.received;
    c.lost = this.tracker.lost;
    c.outOfOrder = this.tracker.outOfOrder;
    c.duplicates = this.tracker.duplicates;
    c.jitterMs = this.jitter.jitterMs;
  }

  /** Time of the last datagram, for a silence check. */
  get lastActivityAt(): number {
    return this.lastDatagramAt;
  }

  start(): void {}

  stop(): Promise<number> {
    return new Promise((resolve) => {
      setTimeout(() => {
        this.counting = false;
        resolve(this.lastDatagramAt || performance.now());
      }, this.drainMs);
    });
  }

  close(): void {
    this.counting = false;
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { DataClock, DataRole } from './data-role.js';
import { StreamCounters } from './stream-counters.js';
import { UdpStreamCount } from './udp-stream-count.js';
import { answerLateHello } from './udp-data-connection.js';
import { HANDSHAKE_BYTES, STREAM_HEADER_BYTES, isHandshake, readSentAt, readSequence } from './udp-datagram.js';

/**
 * Counts numbered datagrams: distinct, lost, out of order, duplicated, and
 * RFC 3550 jitter. After STOP it listens a short drain for datagrams still in
 * flight; the end of the stream is the last datagram's arrival.
 */
export class UdpStreamReceiver implements DataRole {
  readonly kind = 'receiver';
  readonly dataPath = 'js';
  readonly counters = new StreamCounters();
  private readonly socket: Socket;
  private readonly clock: DataClock;
  private readonly cookie: Buffer;
  private readonly count = new UdpStreamCount(this.counters);
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
    this.count.record(readSequence(msg), msg.length, readSentAt(msg), now);
    this.lastDatagramAt = now;
  };

  syncCounters(): void {
    this.count.sync();
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

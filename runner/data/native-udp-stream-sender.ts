import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { NATIVE_SLICE_MS, STATUS_OK, errnoName, type NativeIo } from '../native/native-io.js';
import type { DataRole } from './data-role.js';
import type { NativeSocket } from './native-socket.js';
import { StreamCounters } from './stream-counters.js';
import { UdpPacer } from './udp-pacer.js';

/** An unpaced call sends for its whole slice: this count is never reached. */
const UNPACED_COUNT = 2 ** 30;

/**
 * UDP_STREAM sender on the native data path: the C loop sends numbered
 * datagrams with sendmmsg, one header per datagram on its stack and one
 * shared payload. Pacing is the JavaScript sender's: each turn sends what the
 * schedule owes (at most MAX_CATCH_UP_MS of it) and waits a timer tick;
 * unpaced, each turn sends for a whole slice.
 */
export class NativeUdpStreamSender implements DataRole {
  readonly kind = 'sender';
  readonly dataPath = 'native';
  readonly counters = new StreamCounters();
  private readonly io: NativeIo;
  private readonly socket: NativeSocket;
  private readonly fd: number;
  private readonly payload: Buffer;
  private readonly size: number;
  private readonly pacer: UdpPacer;
  private readonly onFailure: (err: Error) => void;
  private readonly out = new Float64Array(1);
  /** performance.now() minus the native clock, both monotonic: sent-at times are on performance.now()'s timeline. */
  private readonly clockOffsetMs: number;
  private running = false;
  /** Set once the socket is closed: its descriptor number may belong to another socket by then. */
  private closed = false;
  private sent = 0;
  private failure: Error | null = null;

  constructor(io: NativeIo, socket: NativeSocket, size: number, rateBps: number, onFailure: (err: Error) => void) {
    this.io = io;
    this.socket = socket;
    this.fd = socket.fd;
    this.size = size;
    // Bytes 0..15 of each datagram are its header, written by the C loop; the rest is this payload's.
    this.payload = Buffer.alloc(size, 0x75);
    this.pacer = new UdpPacer(rateBps, size);
    this.onFailure = onFailure;
    this.clockOffsetMs = performance.now() - io.nowMs();
    socket.onClose(() => {
      this.closed = true;
      this.running = false;
    });
  }

  start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.pacer.start(performance.now());
    this.tick();
  }

  private readonly tick = (): void => {
    if (!this.running || this.closed) return;
    const budget = Math.min(UNPACED_COUNT, this.pacer.due(performance.now(), this.sent));
    let status = STATUS_OK;
    if (budget > 0) {
      status = this.io.udpSend(this.fd, this.payload, budget, this.sent, this.clockOffsetMs, NATIVE_SLICE_MS, this.out);
      this.sent += this.out[0];
      this.counters.packets = this.sent;
      this.counters.bytes = this.sent * this.size;
    }
    if (status !== STATUS_OK) {
      this.running = false;
      // ECONNREFUSED: ICMP port unreachable came back, nobody listens at the receiver's port any more.
      this.failure = new DataPathError(`UDP data socket failed: send ${errnoName(status)} - did the peer stop?`);
      this.onFailure(this.failure);
      return;
    }
    if (!this.pacer.paced || this.pacer.behind(performance.now(), this.sent)) setImmediate(this.tick);
    else setTimeout(this.tick, 1);
  };

  stop(): Promise<number> {
    this.running = false;
    if (this.failure) return Promise.reject(this.failure);
    return Promise.resolve(performance.now());
  }

  close(): void {
    this.running = false;
    this.closed = true;
    this.socket.close();
  }
}

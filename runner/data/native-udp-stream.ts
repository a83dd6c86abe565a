import { performance } from 'node:perf_hooks';
import { NATIVE_SLICE_MS, STATUS_OK, type NativeIo } from '../native/native-io.js';
import type { DataClock } from './data-role.js';
import type { NativeSocket } from './native-socket.js';
import { NativeSliceRole } from './native-slice-role.js';
import { UdpPacer } from './udp-pacer.js';
import { UdpStreamCount } from './udp-stream-count.js';
import {
  HANDSHAKE_ACK,
  HANDSHAKE_BYTES,
  HANDSHAKE_HELLO,
  HANDSHAKE_MAGIC,
  STREAM_HEADER_BYTES,
  readHandshake,
  writeHandshake,
} from './udp-datagram.js';

/** An unpaced call sends for its whole slice: this count is never reached. */
const UNPACED_COUNT = 2 ** 30;

/**
 * UDP_STREAM sender on the native data path: the C loop sends numbered
 * datagrams with sendmmsg, one header per datagram on its stack and one
 * shared payload. Pacing is the JavaScript sender's: each turn sends what the
 * schedule owes (at most MAX_CATCH_UP_MS of it) and waits a timer tick;
 * unpaced, each turn sends for a whole slice.
 */
export class NativeUdpStreamSender extends NativeSliceRole {
  readonly kind = 'sender';
  // ECONNREFUSED: ICMP port unreachable came back, nobody listens at the receiver's port any more.
  protected readonly failureSubject = 'UDP data socket failed';
  private readonly payload: Buffer;
  private readonly size: number;
  private readonly pacer: UdpPacer;
  private readonly out = new Float64Array(1);
  /** performance.now() minus the native clock, both monotonic: sent-at times are on performance.now()'s timeline. */
  private readonly clockOffsetMs: number;
  private sent = 0;

  constructor(io: NativeIo, socket: NativeSocket, size: number, rateBps: number, onFailure: (err: Error) => void) {
    super(io, socket, Number.POSITIVE_INFINITY, onFailure);
    this.size = size;
    // Bytes 0..15 of each datagram are its header, written by the C loop; the rest is this payload's.
    this.payload = Buffer.alloc(size, 0x75);
    this.pacer = new UdpPacer(rateBps, size);
    this.clockOffsetMs = performance.now() - io.nowMs();
  }

  override start(): void {
    if (this.running || this.closed) return;
    this.pacer.start(performance.now());
    super.start();
  }

  protected slice(): number {
    const budget = Math.min(UNPACED_COUNT, this.pacer.due(performance.now(), this.sent));
    this.out[0] = 0;
    if (budget <= 0) return STATUS_OK;
    return this.io.udpSend(this.fd, this.payload, budget, this.sent, this.clockOffsetMs, NATIVE_SLICE_MS, this.out);
  }

  protected collect(): boolean {
    this.sent += this.out[0];
    this.counters.packets = this.sent;
    this.counters.bytes = this.sent * this.size;
    return false;
  }

  protected callName(): string {
    return 'send';
  }

  protected override pauseMs(now: number): number {
    return this.pacer.paced && !this.pacer.behind(now, this.sent) ? 1 : 0;
  }

  stop(): Promise<number> {
    this.running = false;
    this.halt();
    if (this.failure) return Promise.reject(this.failure);
    return Promise.resolve(performance.now());
  }
}

/** Datagrams per native call at most (the C side's cap too). */
const MAX_BATCH = 256;
/** The slots of one batch share at most this much memory (fewer slots for big datagrams). */
const BATCH_BUFFER_BYTES = 2 * 1024 * 1024;
/** Doubles per datagram in the meta array: length, sequence, sent-at, arrival. */
const META_STRIDE = 4;

/**
 * UDP_STREAM receiver on the native data path: the C loop reads batches of
 * datagrams (recvmmsg) with the kernel's arrival timestamp of each, and this
 * role feeds them to the same sequence tracker and RFC 3550 jitter estimate as
 * the JavaScript receiver (udp-stream-receiver.ts), so the figures keep one
 * definition. It reads from construction on, so the clock starts at the first
 * datagram even before START; after STOP it listens a short drain for
 * datagrams still in flight; the end of the stream is the last arrival.
 */
export class NativeUdpStreamReceiver extends NativeSliceRole {
  readonly kind = 'receiver';
  // Worded as on the JavaScript path (Node's recvmsg), so one condition reads the same on both paths.
  protected readonly failureSubject = 'UDP data socket failed';
  private readonly clock: DataClock;
  private readonly cookie: Buffer;
  /** The answer to a hello retransmitted after our ack was lost. */
  private readonly ack: Buffer;
  private readonly drainMs: number;
  private readonly count = new UdpStreamCount(this.counters);
  private readonly slotBytes: number;
  private readonly slots: number;
  private readonly buffer: Buffer;
  private readonly meta: Float64Array;
  private readonly out = new Float64Array(1);
  /** performance.now() minus the native clock, both monotonic. */
  private readonly clockOffsetMs: number;
  private lastDatagramAt = 0;
  private counting = true;

  constructor(
    io: NativeIo,
    socket: NativeSocket,
    size: number,
    clock: DataClock,
    cookie: Buffer,
    drainMs: number,
    onFailure: (err: Error) => void,
  ) {
    super(io, socket, Number.POSITIVE_INFINITY, onFailure);
    this.clock = clock;
    this.cookie = cookie;
    this.ack = writeHandshake(HANDSHAKE_ACK, cookie);
    this.drainMs = drainMs;
    this.slotBytes = Math.max(size, HANDSHAKE_BYTES);
    this.slots = Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_BUFFER_BYTES / this.slotBytes)));
    this.buffer = Buffer.allocUnsafe(this.slots * this.slotBytes);
    this.meta = new Float64Array(this.slots * META_STRIDE);
    this.clockOffsetMs = performance.now() - io.nowMs();
    // Without kernel timestamps every datagram of a batch would arrive at the batch's read time, which inflates jitter.
    io.udpRecvTimestamps(this.fd);
    // Datagrams that arrive before START still count (the clock starts at the first one), as on the JavaScript path.
    this.serve();
  }

  syncCounters(): void {
    this.count.sync();
  }

  /** Time of the last datagram, for a silence check. */
  get lastActivityAt(): number {
    return this.lastDatagramAt;
  }

  override start(): void {}

  /** Reads batches for one slice: a full batch means more may be waiting, read again before yielding to the event loop. */
  protected slice(): number {
    const sliceEnd = performance.now() + NATIVE_SLICE_MS;
    for (let waitMs = NATIVE_SLICE_MS; ; waitMs = Math.max(0, sliceEnd - performance.now())) {
      const status = this.io.udpRecv(this.fd, this.buffer, this.slotBytes, this.meta, waitMs, this.out);
      const n = this.out[0];
      if (n > 0) this.take(n);
      if (status !== STATUS_OK || n < this.slots || this.closed || performance.now() >= sliceEnd) return status;
    }
  }

  protected collect(): boolean {
    return false;
  }

  protected callName(): string {
    return 'recvmsg';
  }

  private take(n: number): void {
    const meta = this.meta;
    for (let i = 0, k = 0; i < n; i++, k += META_STRIDE) {
      const length = meta[k];
      if (length === HANDSHAKE_BYTES && this.buffer.readUInt32BE(i * this.slotBytes) === HANDSHAKE_MAGIC) {
        const at = i * this.slotBytes;
        if (readHandshake(this.buffer.subarray(at, at + HANDSHAKE_BYTES), this.cookie) === HANDSHAKE_HELLO)
          this.socket?.sendDatagram(this.ack);
        continue;
      }
      if (!this.counting || length < STREAM_HEADER_BYTES) continue;
      if (!this.clock.started) this.clock.start();
      const arrivedAt = meta[k + 3] + this.clockOffsetMs;
      this.count.record(meta[k + 1], length, meta[k + 2], arrivedAt);
      this.lastDatagramAt = arrivedAt;
    }
  }

  async stop(): Promise<number> {
    await this.drain(this.drainMs);
    this.counting = false;
    this.halt();
    return this.lastDatagramAt || performance.now();
  }

  override close(): void {
    this.counting = false;
    super.close();
  }
}

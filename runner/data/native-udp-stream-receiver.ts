import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { NATIVE_SLICE_MS, STATUS_OK, errnoName, type NativeIo } from '../native/native-io.js';
import type { DataClock, DataRole } from './data-role.js';
import type { NativeSocket } from './native-socket.js';
import { StreamCounters } from './stream-counters.js';
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
export class NativeUdpStreamReceiver implements DataRole {
  readonly kind = 'receiver';
  readonly dataPath = 'native';
  readonly counters = new StreamCounters();
  private readonly io: NativeIo;
  private readonly socket: NativeSocket;
  private readonly fd: number;
  private readonly clock: DataClock;
  private readonly cookie: Buffer;
  /** The answer to a hello retransmitted after our ack was lost. */
  private readonly ack: Buffer;
  private readonly drainMs: number;
  private readonly onFailure: (err: Error) => void;
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
  private running = false;
  /** Set once the socket is closed: its descriptor number may belong to another socket by then. */
  private closed = false;

  constructor(
    io: NativeIo,
    socket: NativeSocket,
    size: number,
    clock: DataClock,
    cookie: Buffer,
    drainMs: number,
    onFailure: (err: Error) => void,
  ) {
    this.io = io;
    this.socket = socket;
    this.clock = clock;
    this.cookie = cookie;
    this.ack = writeHandshake(HANDSHAKE_ACK, cookie);
    this.drainMs = drainMs;
    this.onFailure = onFailure;
    this.fd = socket.fd;
    this.slotBytes = Math.max(size, HANDSHAKE_BYTES);
    this.slots = Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_BUFFER_BYTES / this.slotBytes)));
    this.buffer = Buffer.allocUnsafe(this.slots * this.slotBytes);
    this.meta = new Float64Array(this.slots * META_STRIDE);
    this.clockOffsetMs = performance.now() - io.nowMs();
    // Without kernel timestamps every datagram of a batch would arrive at the batch's read time, which inflates jitter.
    io.udpRecvTimestamps(this.fd);
    socket.onClose(() => {
      this.closed = true;
      this.running = false;
    });
    // Datagrams that arrive before START still count (the clock starts at the first one), as on the JavaScript path.
    this.start();
  }

  syncCounters(): void {
    this.count.sync();
  }

  /** Time of the last datagram, for a silence check. */
  get lastActivityAt(): number {
    return this.lastDatagramAt;
  }

  start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    setImmediate(this.pump);
  }

  private readonly pump = (): void => {
    if (!this.running || this.closed) return;
    const sliceEnd = performance.now() + NATIVE_SLICE_MS;
    for (let waitMs = NATIVE_SLICE_MS; ; waitMs = Math.max(0, sliceEnd - performance.now())) {
      const status = this.io.udpRecv(this.fd, this.buffer, this.slotBytes, this.meta, waitMs, this.out);
      const n = this.out[0];
      if (n > 0) this.take(n);
      if (status !== STATUS_OK) {
        this.running = false;
        // Worded as on the JavaScript path (Node's recvmsg), so one condition reads the same on both paths.
        if (!this.closed) this.onFailure(new DataPathError(`UDP data socket failed: recvmsg ${errnoName(status)} - did the peer stop?`));
        return;
      }
      // A full batch means more may be waiting: read again, within one slice, before yielding to the event loop.
      if (n < this.slots || !this.running || this.closed || performance.now() >= sliceEnd) break;
    }
    if (this.running && !this.closed) setImmediate(this.pump);
  };

  private take(n: number): void {
    const meta = this.meta;
    for (let i = 0, k = 0; i < n; i++, k += META_STRIDE) {
      const length = meta[k];
      if (length === HANDSHAKE_BYTES && this.buffer.readUInt32BE(i * this.slotBytes) === HANDSHAKE_MAGIC) {
        const at = i * this.slotBytes;
        if (readHandshake(this.buffer.subarray(at, at + HANDSHAKE_BYTES), this.cookie) === HANDSHAKE_HELLO)
          this.socket.sendDatagram(this.ack);
        continue;
      }
      if (!this.counting || length < STREAM_HEADER_BYTES) continue;
      if (!this.clock.started) this.clock.start();
      const arrivedAt = meta[k + 3] + this.clockOffsetMs;
      this.count.record(meta[k + 1], length, meta[k + 2], arrivedAt);
      this.lastDatagramAt = arrivedAt;
    }
  }

  stop(): Promise<number> {
    this.start();
    return new Promise((resolve) => {
      setTimeout(() => {
        this.counting = false;
        this.running = false;
        resolve(this.lastDatagramAt || performance.now());
      }, this.drainMs);
    });
  }

  close(): void {
    this.counting = false;
    this.running = false;
    this.closed = true;
    this.socket.close();
  }
}

import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { NATIVE_SLICE_MS, STATUS_EOF, STATUS_OK, dataConnectionError, type NativeIo } from '../native/native-io.js';
import type { DataClock, DataRole } from './data-role.js';
import type { NativeSocket } from './native-socket.js';
import { PeerEnd } from './peer-end.js';
import { StreamCounters } from './stream-counters.js';

/** Reads land in this one buffer; 256 KiB lets one read take what a busy socket holds. */
const READ_BUFFER_BYTES = 256 * 1024;
/**
 * The kernel wakes the receiver once this much is queued, not at every
 * segment (SO_RCVLOWAT, at most a quarter of the receive buffer as it
 * autotunes: see tcp-stream.c); each 2 ms slice still starts by taking
 * whatever is queued, and the sender's end wakes it at once. On this project's 2-vCPU VM
 * a wake-up costs the sending thread dearly (sock_def_readable and the
 * interrupt enable behind it were over a quarter of its profile): loopback
 * TCP_STREAM went from 11,600-14,200 to 38,700-40,500 Mbit/s, five runs each,
 * alternating. 64 KiB gave 28,100-29,800; 256 KiB about the same as 128 KiB.
 */
const WAKE_AT_BYTES = 128 * 1024;

/**
 * TCP_STREAM receiver on the native data path: counts bytes until the sender
 * closes its side. The clock starts at START or at the first byte, whichever
 * comes first; the stream ends at its last byte.
 */
export class NativeTcpStreamReceiver implements DataRole {
  readonly kind = 'receiver';
  readonly dataPath = 'native';
  readonly counters = new StreamCounters();
  private readonly io: NativeIo;
  private readonly socket: NativeSocket;
  private readonly fd: number;
  private readonly clock: DataClock;
  private readonly timeoutMs: number;
  private readonly onFailure: (err: Error) => void;
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly out = new Float64Array(2);
  /** performance.now() minus the native clock, both monotonic. */
  private readonly clockOffsetMs: number;
  private running = false;
  private lastByteAt = 0;
  private lastProgressAt = 0;
  private readonly peerEnd = new PeerEnd();

  constructor(io: NativeIo, socket: NativeSocket, clock: DataClock, timeoutMs: number, onFailure: (err: Error) => void) {
    this.io = io;
    this.socket = socket;
    this.clock = clock;
    this.timeoutMs = timeoutMs;
    this.onFailure = onFailure;
    this.clockOffsetMs = performance.now() - io.nowMs();
    this.fd = socket.fd;
  }

  private count(bytes: number, at: number): void {
    if (!this.clock.started) this.clock.start();
    this.counters.bytes += bytes;
    this.lastByteAt = at;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastProgressAt = performance.now();
    this.pump();
  }

  private readonly pump = (): void => {
    if (!this.running || this.socket.closed) return;
    const status = this.io.tcpRecv(this.fd, this.buffer, WAKE_AT_BYTES, NATIVE_SLICE_MS, this.out);
    const now = performance.now();
    if (this.out[0] > 0) {
      this.count(this.out[0], this.out[1] + this.clockOffsetMs);
      this.lastProgressAt = now;
    }
    if (status === STATUS_EOF) {
      this.running = false;
      this.peerEnd.mark();
      return;
    }
    if (status !== STATUS_OK) {
      this.running = false;
      this.onFailure(dataConnectionError('read', status));
      return;
    }
    if (now - this.lastProgressAt > this.timeoutMs) {
      this.running = false;
      this.onFailure(new DataPathError(`data connection silent for ${this.timeoutMs / 1000}s - the peer stopped or the path is down`));
      return;
    }
    setImmediate(this.pump);
  };

  stop(): Promise<number> {
    this.start();
    const late = () => new DataPathError(`the sender did not finish its stream within ${this.timeoutMs / 1000}s of STOP`);
    return this.peerEnd.wait(this.timeoutMs, late).then(() => this.lastByteAt || performance.now());
  }

  close(): void {
    this.running = false;
    this.socket.close();
  }
}

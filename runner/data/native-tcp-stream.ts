import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { NATIVE_SLICE_MS, type NativeIo } from '../native/native-io.js';
import type { DataClock } from './data-role.js';
import type { NativeSocket } from './native-socket.js';
import { NativeSliceRole } from './native-slice-role.js';
import { PeerEnd } from './peer-end.js';

/**
 * TCP_STREAM sender on the native data path: the C loop writes one reused
 * message buffer for a slice at a time; bytes count when the kernel accepts
 * them. A receiver that takes nothing for the socket timeout fails the stream.
 */
export class NativeTcpStreamSender extends NativeSliceRole {
  readonly kind = 'sender';
  protected readonly failureSubject = 'data connection failed';
  private readonly message: Buffer;
  private readonly out = new Float64Array(2);
  private offset = 0;

  constructor(io: NativeIo, socket: NativeSocket, size: number, timeoutMs: number, onFailure: (err: Error) => void) {
    super(io, socket, timeoutMs, onFailure);
    // Content is irrelevant to the measurement; one buffer serves every write.
    this.message = Buffer.alloc(size, 0x62);
  }

  protected slice(): number {
    return this.io.tcpSend(this.fd, this.message, this.offset, NATIVE_SLICE_MS, this.out);
  }

  protected collect(): boolean {
    this.counters.bytes += this.out[0];
    this.offset = this.out[1];
    return this.out[0] > 0;
  }

  protected callName(): string {
    return 'write';
  }

  protected override silence(): Error {
    return new DataPathError(`the receiver took no data for ${this.timeoutMs / 1000}s - the peer stopped reading or the path is down`);
  }

  stop(): Promise<number> {
    this.running = false;
    this.halt();
    this.socket?.end();
    return Promise.resolve(performance.now());
  }
}

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
export class NativeTcpStreamReceiver extends NativeSliceRole {
  readonly kind = 'receiver';
  protected readonly failureSubject = 'data connection failed';
  private readonly clock: DataClock;
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly out = new Float64Array(2);
  /** performance.now() minus the native clock, both monotonic. */
  private readonly clockOffsetMs: number;
  private lastByteAt = 0;
  private readonly peerEnd = new PeerEnd();

  constructor(io: NativeIo, socket: NativeSocket, clock: DataClock, timeoutMs: number, onFailure: (err: Error) => void) {
    super(io, socket, timeoutMs, onFailure);
    this.clock = clock;
    this.clockOffsetMs = performance.now() - io.nowMs();
  }

  protected slice(): number {
    return this.io.tcpRecv(this.fd, this.buffer, WAKE_AT_BYTES, NATIVE_SLICE_MS, this.out);
  }

  protected collect(): boolean {
    const bytes = this.out[0];
    if (bytes === 0) return false;
    if (!this.clock.started) this.clock.start();
    this.counters.bytes += bytes;
    this.lastByteAt = this.out[1] + this.clockOffsetMs;
    return true;
  }

  protected callName(): string {
    return 'read';
  }

  protected override onPeerEnd(): void {
    this.running = false;
    this.peerEnd.mark();
  }

  protected override silence(): Error {
    return new DataPathError(`data connection silent for ${this.timeoutMs / 1000}s - the peer stopped or the path is down`);
  }

  stop(): Promise<number> {
    this.start();
    const late = () => new DataPathError(`the sender did not finish its stream within ${this.timeoutMs / 1000}s of STOP`);
    return this.peerEnd.wait(this.timeoutMs, late).then(() => this.lastByteAt || performance.now());
  }
}

import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { NATIVE_SLICE_MS, type NativeIo } from '../native/native-io.js';
import { RR_LATENCY_SLOTS, TCP_RR_CLIENT_STATE as S, TCP_RR_RESPONDER_STATE as R, rrCallName } from '../native/rr-io.js';
import type { NativeSocket } from './native-socket.js';
import { NativeSliceRole } from './native-slice-role.js';
import { RrLatency } from './rr-latency.js';

/** Requests and responses are read into one buffer per role; a read takes at most this much. */
const READ_BUFFER_BYTES = 256 * 1024;

/**
 * TCP_RR client on the native data path: the C loop sends a request, reads
 * its whole response, times the round trip and sends the next, a slice at a
 * time. An outstanding request with no byte moving for the timeout fails the
 * stream (as Node's socket timeout does on the JavaScript path). At stop the
 * last request is settled, then the connection ended: that end is what
 * releases the responder.
 */
export class NativeTcpRrClient extends NativeSliceRole {
  readonly kind = 'rr-client';
  readonly latency = new RrLatency();
  protected readonly failureSubject = 'data connection failed';
  /** A failure at stop rejects it: the last response is part of the figures. */
  protected override readonly failureEndsStop = false;
  private readonly request: Buffer;
  private readonly responseSize: number;
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly state = new Float64Array(S.SLOTS);
  private readonly lat = new Float64Array(RR_LATENCY_SLOTS);
  private readonly out = new Float64Array(S.OUT_SLOTS);
  private endTimer: NodeJS.Timeout | null = null;

  constructor(
    io: NativeIo,
    socket: NativeSocket,
    requestSize: number,
    responseSize: number,
    timeoutMs: number,
    onFailure: (err: Error) => void,
  ) {
    super(io, socket, timeoutMs, onFailure);
    this.request = Buffer.alloc(requestSize, 0x71);
    this.responseSize = responseSize;
  }

  private get outstanding(): boolean {
    return this.state[S.PHASE] !== 0;
  }

  protected slice(mayStart: number): number {
    const { out, lat } = this;
    return this.io.tcpRrClient(this.fd, this.request, this.responseSize, this.buffer, mayStart, NATIVE_SLICE_MS, this.state, lat, out);
  }

  protected collect(): boolean {
    const { out, lat } = this;
    const done = out[0];
    for (let i = 0; i < done; i++) this.latency.record(lat[i]);
    this.counters.transactions += done;
    this.counters.requestsSent += out[1];
    return out[2] > 0;
  }

  protected callName(): string {
    return rrCallName(this.out[S.OUT_OP], 'tcp');
  }

  protected override onPeerEnd(now: number): void {
    const err = new DataPathError('data connection failed: the peer closed it - did the peer stop?');
    if (!this.running) return this.fail(err);
    // A peer that ends its data connection mid-test has most likely stopped, and its control
    // connection, closed at the same moment, says so with its name. Should that stay open,
    // the end fails the stream once the progress timeout has passed.
    this.endTimer = setTimeout(() => this.fail(err), Math.max(0, this.lastProgressAt + this.timeoutMs - now));
  }

  protected override silence(): Error | null {
    if (!this.outstanding) return null;
    return new DataPathError(
      this.running
        ? `data connection silent for ${this.timeoutMs / 1000}s - the peer stopped or the path is down`
        : `no response to the last request within ${this.timeoutMs / 1000}s`,
    );
  }

  protected override settled(): boolean {
    return !this.outstanding;
  }

  protected override fail(err: Error): void {
    if (this.endTimer) clearTimeout(this.endTimer);
    this.endTimer = null;
    super.fail(err);
  }

  /** Settles the last request, then ends the connection: that end is what releases the responder. */
  async stop(): Promise<number> {
    const stoppedAt = performance.now();
    this.running = false;
    if (this.endTimer)
      this.fail(new DataPathError('data connection failed: the peer closed it before the last response - did the peer stop?'));
    await this.wind();
    this.socket?.end();
    return stoppedAt;
  }

  override close(): void {
    if (this.endTimer) clearTimeout(this.endTimer);
    super.close();
  }
}

/**
 * TCP_RR responder on the native data path: the C loop answers every whole
 * request with one response, however the bytes arrive. Silence, no byte
 * either way, for the timeout fails the stream, as Node's socket timeout does
 * on the JavaScript path. The client's end of the connection ends it.
 */
export class NativeTcpRrResponder extends NativeSliceRole {
  readonly kind = 'rr-responder';
  protected readonly failureSubject = 'data connection failed';
  private readonly response: Buffer;
  private readonly requestSize: number;
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly state = new Float64Array(R.SLOTS);
  private readonly out = new Float64Array(R.OUT_SLOTS);

  constructor(
    io: NativeIo,
    socket: NativeSocket,
    requestSize: number,
    responseSize: number,
    timeoutMs: number,
    onFailure: (err: Error) => void,
  ) {
    super(io, socket, timeoutMs, onFailure);
    this.requestSize = requestSize;
    this.response = Buffer.alloc(responseSize, 0x72);
  }

  protected slice(): number {
    return this.io.tcpRrResponder(this.fd, this.response, this.requestSize, this.buffer, NATIVE_SLICE_MS, this.state, this.out);
  }

  protected collect(): boolean {
    this.counters.transactions += this.out[0];
    return this.out[1] > 0;
  }

  protected callName(): string {
    return rrCallName(this.out[R.OUT_OP], 'tcp');
  }

  protected override silence(): Error {
    return new DataPathError(`data connection silent for ${this.timeoutMs / 1000}s - the peer stopped or the path is down`);
  }

  /**
   * Keeps answering until the client ends the connection: STOP on the control
   * channel can overtake the client's last request, which still deserves an
   * answer. After STOP, a reset or a silent client just means the end.
   */
  async stop(): Promise<number> {
    if (this.peerEnded || this.failure || this.closed) return performance.now();
    this.start();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.timeoutMs)));
    await Promise.race([this.wind(), late]);
    clearTimeout(timer);
    return performance.now();
  }
}

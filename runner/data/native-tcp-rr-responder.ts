import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { NATIVE_SLICE_MS, STATUS_EOF, STATUS_OK, errnoName, type NativeIo } from '../native/native-io.js';
import { TCP_RR_RESPONDER_STATE as S, rrCallName } from '../native/rr-io.js';
import type { DataRole } from './data-role.js';
import type { NativeSocket } from './native-socket.js';
import { StreamCounters } from './stream-counters.js';

/** Requests are read into this one buffer; a read takes at most this much. */
const READ_BUFFER_BYTES = 256 * 1024;

/**
 * TCP_RR responder on the native data path: the C loop answers every whole
 * request with one response, however the bytes arrive. Silence, no byte
 * either way, for the timeout fails the stream, as Node's socket timeout does
 * on the JavaScript path. The client's end of the connection ends it.
 */
export class NativeTcpRrResponder implements DataRole {
  readonly kind = 'rr-responder';
  readonly dataPath = 'native';
  readonly counters = new StreamCounters();
  private readonly io: NativeIo;
  private readonly socket: NativeSocket;
  private readonly fd: number;
  private readonly response: Buffer;
  private readonly requestSize: number;
  private readonly timeoutMs: number;
  private readonly onFailure: (err: Error) => void;
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly state = new Float64Array(S.SLOTS);
  private readonly out = new Float64Array(S.OUT_SLOTS);
  private running = false;
  private closed = false;
  private ended = false;
  private failed = false;
  private lastProgressAt = 0;
  private onEnd: (() => void) | null = null;

  constructor(
    io: NativeIo,
    socket: NativeSocket,
    requestSize: number,
    responseSize: number,
    timeoutMs: number,
    onFailure: (err: Error) => void,
  ) {
    this.io = io;
    this.socket = socket;
    this.fd = socket.fd;
    this.requestSize = requestSize;
    this.response = Buffer.alloc(responseSize, 0x72);
    this.timeoutMs = timeoutMs;
    this.onFailure = onFailure;
  }

  start(): void {
    if (this.running || this.ended || this.failed || this.closed) return;
    this.running = true;
    this.lastProgressAt = performance.now();
    this.pump();
  }

  private readonly pump = (): void => {
    if (this.closed || this.socket.closed) {
      this.running = false;
      return;
    }
    const { out } = this;
    const status = this.io.tcpRrResponder(this.fd, this.response, this.requestSize, this.buffer, NATIVE_SLICE_MS, this.state, out);
    this.counters.transactions += out[0];
    const now = performance.now();
    if (out[1] > 0) this.lastProgressAt = now;
    if (status === STATUS_EOF) return this.end();
    if (status !== STATUS_OK) {
      this.running = false;
      this.failed = true;
      // After STOP, a reset is the client tidying up: stop() resolves.
      if (this.onEnd) return this.end();
      this.onFailure(
        new DataPathError(`data connection failed: ${rrCallName(out[S.OUT_OP], 'tcp')} ${errnoName(status)} - did the peer stop?`),
      );
      return;
    }
    if (now - this.lastProgressAt > this.timeoutMs) {
      this.running = false;
      // After STOP, a silent client just means the end: stop() resolves.
      if (this.onEnd) return this.end();
      this.failed = true;
      this.onFailure(new DataPathError(`data connection silent for ${this.timeoutMs / 1000}s - the peer stopped or the path is down`));
      return;
    }
    setImmediate(this.pump);
  };

  private end(): void {
    this.running = false;
    this.ended = true;
    this.onEnd?.();
  }

  /**
   * Keeps answering until the client ends the connection: STOP on the control
   * channel can overtake the client's last request, which still deserves an
   * answer.
   */
  stop(): Promise<number> {
    if (this.ended || this.failed || this.closed) return Promise.resolve(performance.now());
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(performance.now()), this.timeoutMs);
      this.onEnd = () => {
        clearTimeout(timer);
        resolve(performance.now());
      };
      this.start();
    });
  }

  close(): void {
    this.running = false;
    this.closed = true;
    this.socket.close();
  }
}

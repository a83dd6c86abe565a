import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { NATIVE_SLICE_MS, STATUS_EOF, STATUS_OK, errnoName, type NativeIo } from '../native/native-io.js';
import { RR_LATENCY_SLOTS, TCP_RR_CLIENT_STATE as S, rrCallName } from '../native/rr-io.js';
import type { DataRole } from './data-role.js';
import type { NativeSocket } from './native-socket.js';
import { RrLatency } from './rr-latency.js';
import { StreamCounters } from './stream-counters.js';

/** Responses are read into this one buffer; a read takes at most this much. */
const READ_BUFFER_BYTES = 256 * 1024;

/**
 * TCP_RR client on the native data path: the C loop sends a request, reads
 * its whole response, times the round trip and sends the next, a slice at a
 * time; each slice's round trips are recorded here. An outstanding request
 * with no byte moving for the timeout fails the stream (as Node's socket
 * timeout does on the JavaScript path). At stop the last request is settled,
 * then the connection ended: that end is what releases the responder.
 */
export class NativeTcpRrClient implements DataRole {
  readonly kind = 'rr-client';
  readonly dataPath = 'native';
  readonly counters = new StreamCounters();
  readonly latency = new RrLatency();
  private readonly io: NativeIo;
  private readonly socket: NativeSocket;
  private readonly fd: number;
  private readonly request: Buffer;
  private readonly responseSize: number;
  private readonly timeoutMs: number;
  private readonly onFailure: (err: Error) => void;
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly state = new Float64Array(S.SLOTS);
  private readonly lat = new Float64Array(RR_LATENCY_SLOTS);
  private readonly out = new Float64Array(S.OUT_SLOTS);
  private running = false;
  private pumping = false;
  private closed = false;
  private failure: Error | null = null;
  private lastProgressAt = 0;
  private endTimer: NodeJS.Timeout | null = null;
  private onSettled: ((err: Error | null) => void) | null = null;

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
    this.request = Buffer.alloc(requestSize, 0x71);
    this.responseSize = responseSize;
    this.timeoutMs = timeoutMs;
    this.onFailure = onFailure;
  }

  start(): void {
    if (this.running || this.pumping) return;
    this.running = true;
    this.pumping = true;
    this.lastProgressAt = performance.now();
    this.pump();
  }

  private get outstanding(): boolean {
    return this.state[S.PHASE] !== 0;
  }

  private readonly pump = (): void => {
    if (this.closed || this.socket.closed) {
      this.pumping = false;
      return;
    }
    const { out, lat } = this;
    const status = this.io.tcpRrClient(
      this.fd,
      this.request,
      this.responseSize,
      this.buffer,
      this.running ? 1 : 0,
      NATIVE_SLICE_MS,
      this.state,
      lat,
      out,
    );
    const done = out[0];
    for (let i = 0; i < done; i++) this.latency.record(lat[i]);
    this.counters.transactions += done;
    this.counters.requestsSent += out[1];
    const now = performance.now();
    if (out[2] > 0) this.lastProgressAt = now;
    if (status === STATUS_EOF && this.running) {
      // A peer that ends its data connection mid-test has most likely stopped, and its control
      // connection, closed at the same moment, says so with its name. Should that stay open,
      // the end fails the stream once the progress timeout has passed.
      this.pumping = false;
      const err = new DataPathError('data connection failed: the peer closed it - did the peer stop?');
      this.endTimer = setTimeout(() => this.fail(err), Math.max(0, this.lastProgressAt + this.timeoutMs - now));
      return;
    }
    if (status !== STATUS_OK) {
      const why = status === STATUS_EOF ? 'the peer closed it' : `${rrCallName(out[S.OUT_OP], 'tcp')} ${errnoName(status)}`;
      return this.fail(new DataPathError(`data connection failed: ${why} - did the peer stop?`));
    }
    if (!this.running && !this.outstanding) {
      this.pumping = false;
      this.onSettled?.(null);
      return;
    }
    if (this.outstanding && now - this.lastProgressAt > this.timeoutMs) {
      return this.fail(
        new DataPathError(
          this.running
            ? `data connection silent for ${this.timeoutMs / 1000}s - the peer stopped or the path is down`
            : `no response to the last request within ${this.timeoutMs / 1000}s`,
        ),
      );
    }
    setImmediate(this.pump);
  };

  private fail(err: Error): void {
    if (this.endTimer) clearTimeout(this.endTimer);
    this.endTimer = null;
    this.running = false;
    this.pumping = false;
    this.failure = err;
    if (this.onSettled) this.onSettled(err);
    else this.onFailure(err);
  }

  /** Settles the last request, then ends the connection: that end is what releases the responder. */
  stop(): Promise<number> {
    this.running = false;
    const stoppedAt = performance.now();
    let settled: Promise<void>;
    if (this.endTimer)
      this.fail(new DataPathError('data connection failed: the peer closed it before the last response - did the peer stop?'));
    if (this.failure) settled = Promise.reject(this.failure);
    else if (!this.pumping) settled = Promise.resolve();
    else {
      settled = new Promise((resolve, reject) => {
        this.onSettled = (err) => (err ? reject(err) : resolve());
      });
    }
    return settled.then(() => {
      this.socket.end();
      return stoppedAt;
    });
  }

  close(): void {
    if (this.endTimer) clearTimeout(this.endTimer);
    this.running = false;
    this.closed = true;
    this.socket.close();
  }
}

import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { formatHostPort } from '../core/host-port.js';
import { TCP_CRR_CLIENT_OUT as O, TCP_CRR_CLIENT_STATE as S, crrCallName } from '../native/crr-io.js';
import { NATIVE_SLICE_MS, STATUS_OK, errnoName, type NativeIo } from '../native/native-io.js';
import { RR_LATENCY_SLOTS } from '../native/rr-io.js';
import type { DataRole } from './data-role.js';
import { RrLatency } from './rr-latency.js';
import { StreamCounters } from './stream-counters.js';
import { CRR_RETRY_PAUSE_MS, allConnectsFailedError, crrRequest, portExhaustionError } from './tcp-crr.js';

const READ_BUFFER_BYTES = 64 * 1024;
const EADDRNOTAVAIL = -constants.errno.EADDRNOTAVAIL;

/**
 * TCP_CRR client on the native data path: the C loop (tcp-crr.c) makes a
 * connection per transaction, a slice at a time, and times each from
 * connect() to the response's last byte. A connection that could not be made,
 * or failed before the whole response, is counted, and the next attempt
 * follows a short pause; none made for the
 * whole timeout fails the stream, as does a transaction silent for it. No
 * local port left fails it at once, saying so. At STOP a transaction under
 * way is dropped, uncounted: the server need not answer after STOP.
 */
export class NativeTcpCrrClient implements DataRole {
  readonly kind = 'rr-client';
  readonly dataPath = 'native';
  readonly counters = new StreamCounters();
  readonly latency = new RrLatency();
  private readonly io: NativeIo;
  private readonly address: string;
  private readonly port: number;
  private readonly message: Buffer;
  private readonly responseSize: number;
  private readonly timeoutMs: number;
  private readonly onFailure: (err: Error) => void;
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly state = new Float64Array(S.SLOTS);
  private readonly lat = new Float64Array(RR_LATENCY_SLOTS);
  private readonly out = new Float64Array(O.SLOTS);
  private running = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private nextSlice: NodeJS.Immediate | null = null;
  private lastProgressAt = 0;
  private lastMadeAt = 0;
  private connections = 0;

  constructor(
    io: NativeIo,
    address: string,
    port: number,
    cookie: Buffer,
    requestSize: number,
    responseSize: number,
    timeoutMs: number,
    onFailure: (err: Error) => void,
  ) {
    this.io = io;
    this.address = address;
    this.port = port;
    this.message = crrRequest(cookie, requestSize);
    this.responseSize = responseSize;
    this.timeoutMs = timeoutMs;
    this.onFailure = onFailure;
  }

  /** One transaction before START, not counted: the data port answers, with this test's cookie. */
  async probe(): Promise<void> {
    const what = `cannot open the data connection to ${formatHostPort(this.address, this.port)}`;
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      const status = this.slice(1);
      if (this.out[O.DONE] > 0) {
        // Its end is read by the next calls; it has done its work.
        this.abandon();
        return;
      }
      if (status === EADDRNOTAVAIL) throw portExhaustionError(this.address, this.port, 0);
      if (status !== STATUS_OK) throw new DataPathError(`${what}: ${this.statusText(status)} - is a firewall in the way?`);
      if (this.out[O.FAILED] > 0) throw new DataPathError(`${what}: ${this.lastFailure()} - is a firewall in the way?`);
      if (performance.now() > deadline) {
        this.abandon();
        throw new DataPathError(`${what}: no answer within ${this.timeoutMs / 1000}s - is a firewall dropping it?`);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private slice(mayStart: number): number {
    return this.io.tcpCrrClient(
      this.address,
      this.port,
      this.message,
      this.responseSize,
      this.buffer,
      mayStart,
      NATIVE_SLICE_MS,
      this.timeoutMs,
      this.state,
      this.lat,
      this.out,
    );
  }

  start(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.lastProgressAt = this.lastMadeAt = performance.now();
    this.pump();
  }

  private readonly pump = (): void => {
    this.retryTimer = null;
    this.nextSlice = null;
    if (!this.running || this.closed) return;
    const { out, lat } = this;
    const status = this.slice(1);
    const done = out[O.DONE];
    for (let i = 0; i < done; i++) this.latency.record(lat[i]);
    this.counters.transactions += done;
    this.counters.requestsSent += out[O.STARTED];
    this.connections += done;
    const now = performance.now();
    if (out[O.MOVED] > 0) this.lastProgressAt = now;
    if (done > 0) this.lastMadeAt = now;
    if (status === EADDRNOTAVAIL) return this.fail(portExhaustionError(this.address, this.port, this.connections));
    if (status !== STATUS_OK)
      return this.fail(new DataPathError(`data connection failed: ${this.statusText(status)} - did the peer stop?`));
    if (out[O.FAILED] > 0) {
      this.counters.connectFailures += out[O.FAILED];
      if (now - this.lastMadeAt > this.timeoutMs) {
        const last = this.lastFailure();
        return this.fail(allConnectsFailedError(this.address, this.port, this.timeoutMs, this.counters.connectFailures, last));
      }
      this.retryTimer = setTimeout(this.pump, CRR_RETRY_PAUSE_MS);
      return;
    }
    // Connecting has the connect timeout in C; a connection made and then silent has the data timeout here.
    if (this.state[S.PHASE] > 1 && now - this.lastProgressAt > this.timeoutMs) {
      return this.fail(new DataPathError(`data connection silent for ${this.timeoutMs / 1000}s - the peer stopped or the path is down`));
    }
    this.nextSlice = setImmediate(this.pump);
  };

  private statusText(status: number): string {
    return `${crrCallName(this.out[O.OP])} ${errnoName(status)}`;
  }

  /** The last failed connection, as Node words it: 'connect ECONNREFUSED', 'read ECONNRESET'. */
  private lastFailure(): string {
    const e = this.out[O.LAST_ERRNO];
    return e === 0 ? 'the peer closed it before the whole response' : `${crrCallName(this.out[O.LAST_OP])} ${errnoName(-e)}`;
  }

  private fail(err: Error): void {
    this.running = false;
    this.abandon();
    this.onFailure(err);
  }

  /** Closes the connection under way, if any, and forgets it. */
  private abandon(): void {
    if (this.state[S.PHASE] !== 0) this.io.closeSocket(this.state[S.FD]);
    this.state.fill(0);
  }

  stop(): Promise<number> {
    const stoppedAt = performance.now();
    this.close();
    return Promise.resolve(stoppedAt);
  }

  close(): void {
    if (this.closed) return;
    this.running = false;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.nextSlice) clearImmediate(this.nextSlice);
    this.abandon();
  }
}

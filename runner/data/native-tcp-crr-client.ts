import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { formatHostPort } from '../core/host-port.js';
import { TCP_CRR_CLIENT_OUT as O, TCP_CRR_CLIENT_STATE as S, crrCallName } from '../native/crr-io.js';
import { NATIVE_SLICE_MS, STATUS_OK, errnoName, type NativeIo } from '../native/native-io.js';
import { RR_LATENCY_SLOTS } from '../native/rr-io.js';
import { NativeSliceRole } from './native-slice-role.js';
import { RrLatency } from './rr-latency.js';
import { CRR_RETRY_PAUSE_MS, allConnectsFailedError, crrRequest, portExhaustionError } from './tcp-crr.js';

const READ_BUFFER_BYTES = 64 * 1024;
const EADDRNOTAVAIL = -constants.errno.EADDRNOTAVAIL;

/**
 * TCP_CRR client on the native data path: the C loop (tcp-crr.c) makes a
 * connection per transaction, a slice at a time, and times each from
 * connect() to the response's last byte. A connection that could not be made,
 * or failed before the whole response, is counted, and the next attempt
 * follows a short pause; none made for the whole timeout fails the stream, as
 * does a transaction silent for it. No local port left fails it at once,
 * saying so. At STOP a transaction under way is dropped, uncounted: the
 * server need not answer after STOP.
 */
export class NativeTcpCrrClient extends NativeSliceRole {
  readonly kind = 'rr-client';
  readonly latency = new RrLatency();
  protected readonly failureSubject = 'data connection failed';
  private readonly address: string;
  private readonly port: number;
  private readonly message: Buffer;
  private readonly responseSize: number;
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly state = new Float64Array(S.SLOTS);
  private readonly lat = new Float64Array(RR_LATENCY_SLOTS);
  private readonly out = new Float64Array(O.SLOTS);
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
    super(io, null, timeoutMs, onFailure);
    this.address = address;
    this.port = port;
    this.message = crrRequest(cookie, requestSize);
    this.responseSize = responseSize;
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
      if (status !== STATUS_OK) throw new DataPathError(`${what}: ${this.callName()} ${errnoName(status)} - is a firewall in the way?`);
      if (this.out[O.FAILED] > 0) throw new DataPathError(`${what}: ${this.lastFailure()} - is a firewall in the way?`);
      if (performance.now() > deadline) {
        this.abandon();
        throw new DataPathError(`${what}: no answer within ${this.timeoutMs / 1000}s - is a firewall dropping it?`);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  protected slice(mayStart: number): number {
    const { address, port, message, responseSize, buffer, timeoutMs, state, lat, out } = this;
    return this.io.tcpCrrClient(address, port, message, responseSize, buffer, mayStart, NATIVE_SLICE_MS, timeoutMs, state, lat, out);
  }

  protected collect(now: number): boolean {
    const { out, lat, counters: c } = this;
    const done = out[O.DONE];
    for (let i = 0; i < done; i++) this.latency.record(lat[i]);
    c.transactions += done;
    c.requestsSent += out[O.STARTED];
    c.connectFailures += out[O.FAILED];
    this.connections += done;
    if (done > 0) this.lastMadeAt = now;
    return out[O.MOVED] > 0;
  }

  protected callName(): string {
    return crrCallName(this.out[O.OP]);
  }

  protected override callFailure(status: number): Error {
    if (status === EADDRNOTAVAIL) return portExhaustionError(this.address, this.port, this.connections);
    return super.callFailure(status);
  }

  /** Connecting has the connect timeout in C; a connection made and then silent has the data timeout here. */
  protected override silence(): Error | null {
    if (this.state[S.PHASE] <= 1) return null;
    return new DataPathError(`data connection silent for ${this.timeoutMs / 1000}s - the peer stopped or the path is down`);
  }

  protected override verdict(now: number): Error | null {
    if (this.out[O.FAILED] === 0 || now - this.lastMadeAt <= this.timeoutMs) return null;
    return allConnectsFailedError(this.address, this.port, this.timeoutMs, this.counters.connectFailures, this.lastFailure());
  }

  protected override pauseMs(): number {
    return this.out[O.FAILED] > 0 ? CRR_RETRY_PAUSE_MS : 0;
  }

  /** The last failed connection, as Node words it: 'connect ECONNREFUSED', 'read ECONNRESET'. */
  private lastFailure(): string {
    const e = this.out[O.LAST_ERRNO];
    return e === 0 ? 'the peer closed it before the whole response' : `${crrCallName(this.out[O.LAST_OP])} ${errnoName(-e)}`;
  }

  override start(): void {
    this.lastMadeAt = performance.now();
    super.start();
  }

  protected override fail(err: Error): void {
    this.abandon();
    super.fail(err);
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

  override close(): void {
    super.close();
    this.abandon();
  }
}

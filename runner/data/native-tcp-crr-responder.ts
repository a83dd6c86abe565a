import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { TCP_CRR_RESPONDER_OUT as O, TCP_CRR_RESPONDER_STATE_SLOTS, crrCallName } from '../native/crr-io.js';
import { NATIVE_SLICE_MS, errnoName, type NativeIo } from '../native/native-io.js';
import type { NativeSocket } from './native-socket.js';
import { NativeSliceRole } from './native-slice-role.js';

const READ_BUFFER_BYTES = 64 * 1024;

/**
 * TCP_CRR server on the native data path: the C loop (tcp-crr.c) accepts on
 * the stream's own listener and answers every connection that presents the
 * cookie and a whole request, then closes it first. It runs from the moment
 * the port is announced, so the client's probe before START is answered.
 */
export class NativeTcpCrrResponder extends NativeSliceRole {
  readonly kind = 'rr-responder';
  protected readonly failureSubject = 'TCP_CRR data port failed';
  private readonly cookie: Buffer;
  private readonly requestSize: number;
  private readonly response: Buffer;
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly state = new Float64Array(TCP_CRR_RESPONDER_STATE_SLOTS);
  private readonly out = new Float64Array(O.SLOTS);

  constructor(
    io: NativeIo,
    listener: NativeSocket,
    cookie: Buffer,
    requestSize: number,
    responseSize: number,
    timeoutMs: number,
    onFailure: (err: Error) => void,
  ) {
    super(io, listener, timeoutMs, onFailure);
    this.cookie = cookie;
    this.requestSize = requestSize;
    this.response = Buffer.alloc(responseSize, 0x72);
    this.serve();
  }

  protected slice(): number {
    const { cookie, requestSize, response, buffer, timeoutMs, state, out } = this;
    return this.io.tcpCrrResponder(this.fd, cookie, requestSize, response, buffer, NATIVE_SLICE_MS, timeoutMs, state, out);
  }

  protected collect(): boolean {
    this.counters.transactions += this.out[O.DONE];
    return false;
  }

  protected callName(): string {
    return crrCallName(this.out[O.OP]);
  }

  /** The listener failed: no peer is to blame. */
  protected override callFailure(status: number): Error {
    return new DataPathError(`${this.failureSubject}: ${this.callName()} ${errnoName(status)}`);
  }

  protected override fail(err: Error): void {
    this.close();
    super.fail(err);
  }

  override start(): void {}

  /** The client drops what is in flight at STOP: nothing to wait for. */
  stop(): Promise<number> {
    this.close();
    return Promise.resolve(performance.now());
  }

  override close(): void {
    for (let i = 0; i < TCP_CRR_RESPONDER_STATE_SLOTS; i += 4) {
      if (this.state[i] !== 0) this.io.closeSocket(this.state[i] - 1);
    }
    this.state.fill(0);
    super.close();
  }
}

import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { TCP_CRR_RESPONDER_OUT as O, TCP_CRR_RESPONDER_STATE_SLOTS, crrCallName } from '../native/crr-io.js';
import { NATIVE_SLICE_MS, STATUS_OK, errnoName, type NativeIo } from '../native/native-io.js';
import type { DataRole } from './data-role.js';
import type { NativeSocket } from './native-socket.js';
import { StreamCounters } from './stream-counters.js';

const READ_BUFFER_BYTES = 64 * 1024;

/**
 * TCP_CRR server on the native data path: the C loop (tcp-crr.c) accepts on
 * the stream's own listener and answers every connection that presents the
 * cookie and a whole request, then closes it first. It runs from the moment
 * the port is announced, so the client's probe before START is answered.
 */
export class NativeTcpCrrResponder implements DataRole {
  readonly kind = 'rr-responder';
  readonly dataPath = 'native';
  readonly counters = new StreamCounters();
  private readonly io: NativeIo;
  private readonly listener: NativeSocket;
  private readonly cookie: Buffer;
  private readonly requestSize: number;
  private readonly response: Buffer;
  private readonly timeoutMs: number;
  private readonly onFailure: (err: Error) => void;
  private readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly state = new Float64Array(TCP_CRR_RESPONDER_STATE_SLOTS);
  private readonly out = new Float64Array(O.SLOTS);
  private closed = false;

  constructor(
    io: NativeIo,
    listener: NativeSocket,
    cookie: Buffer,
    requestSize: number,
    responseSize: number,
    timeoutMs: number,
    onFailure: (err: Error) => void,
  ) {
    this.io = io;
    this.listener = listener;
    this.cookie = cookie;
    this.requestSize = requestSize;
    this.response = Buffer.alloc(responseSize, 0x72);
    this.timeoutMs = timeoutMs;
    this.onFailure = onFailure;
    setImmediate(this.pump);
  }

  private readonly pump = (): void => {
    if (this.closed || this.listener.closed) return;
    const { out } = this;
    const status = this.io.tcpCrrResponder(
      this.listener.fd,
      this.cookie,
      this.requestSize,
      this.response,
      this.buffer,
      NATIVE_SLICE_MS,
      this.timeoutMs,
      this.state,
      out,
    );
    this.counters.transactions += out[O.DONE];
    if (status !== STATUS_OK) {
      this.close();
      this.onFailure(new DataPathError(`TCP_CRR data port failed: ${crrCallName(out[O.OP])} ${errnoName(status)}`));
      return;
    }
    setImmediate(this.pump);
  };

  start(): void {}

  /** The client drops what is in flight at STOP: nothing to wait for. */
  stop(): Promise<number> {
    this.close();
    return Promise.resolve(performance.now());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let i = 0; i < TCP_CRR_RESPONDER_STATE_SLOTS; i += 4) {
      if (this.state[i] !== 0) this.io.closeSocket(this.state[i] - 1);
    }
    this.state.fill(0);
    this.listener.close();
  }
}

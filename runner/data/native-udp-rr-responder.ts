import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { NATIVE_SLICE_MS, STATUS_OK, errnoName, type NativeIo } from '../native/native-io.js';
import { UDP_RR_RESPONDER_OUT as O, UDP_RR_RESPONDER_STATE_SLOTS, rrCallName } from '../native/rr-io.js';
import type { DataRole } from './data-role.js';
import type { NativeSocket } from './native-socket.js';
import { StreamCounters } from './stream-counters.js';
import { HANDSHAKE_ACK, HANDSHAKE_HELLO, rrSequenceWidth, writeHandshake } from './udp-datagram.js';

/**
 * UDP_RR responder on the native data path, as UdpRrResponder: each request
 * datagram is answered with a response carrying its sequence number, and a
 * hello retransmitted after our ack was lost gets the ack again. It answers
 * from the moment the socket is open (a late hello may come before START)
 * until it is closed, so also during stop's drain.
 */
export class NativeUdpRrResponder implements DataRole {
  readonly kind = 'rr-responder';
  readonly dataPath = 'native';
  readonly counters = new StreamCounters();
  private readonly io: NativeIo;
  private readonly socket: NativeSocket;
  private readonly fd: number;
  private readonly response: Buffer;
  private readonly width: number;
  private readonly hello: Buffer;
  private readonly ack: Buffer;
  private readonly drainMs: number;
  private readonly onFailure: (err: Error) => void;
  private readonly state = new Float64Array(UDP_RR_RESPONDER_STATE_SLOTS);
  private readonly out = new Float64Array(O.SLOTS);
  private closed = false;

  constructor(
    io: NativeIo,
    socket: NativeSocket,
    cookie: Buffer,
    requestSize: number,
    responseSize: number,
    drainMs: number,
    onFailure: (err: Error) => void,
  ) {
    this.io = io;
    this.socket = socket;
    this.fd = socket.fd;
    this.response = Buffer.alloc(responseSize, 0x72);
    this.width = rrSequenceWidth(requestSize, responseSize);
    this.hello = writeHandshake(HANDSHAKE_HELLO, cookie);
    this.ack = writeHandshake(HANDSHAKE_ACK, cookie);
    this.drainMs = drainMs;
    this.onFailure = onFailure;
    // Closed by anyone, the descriptor number may belong to another socket by the next slice.
    socket.onClose(() => (this.closed = true));
    setImmediate(this.pump);
  }

  private readonly pump = (): void => {
    if (this.closed) return;
    const status = this.io.udpRrResponder(this.fd, this.response, this.width, this.hello, this.ack, NATIVE_SLICE_MS, this.state, this.out);
    this.counters.transactions += this.out[O.ANSWERED];
    if (status !== STATUS_OK) {
      this.onFailure(
        new DataPathError(`UDP data socket failed: ${rrCallName(this.out[O.OP], 'udp')} ${errnoName(status)} - did the peer stop?`),
      );
      return;
    }
    setImmediate(this.pump);
  };

  start(): void {}

  /** Keeps answering for the drain time: the client's last request may still be on its way. */
  stop(): Promise<number> {
    const stoppedAt = performance.now();
    return new Promise((resolve) => setTimeout(() => resolve(stoppedAt), this.drainMs));
  }

  close(): void {
    this.closed = true;
    this.socket.close();
  }
}

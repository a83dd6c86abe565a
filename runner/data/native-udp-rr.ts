import { performance } from 'node:perf_hooks';
import type { NativeIo } from '../native/native-io.js';
import { NATIVE_SLICE_MS } from '../native/native-io.js';
import {
  RR_LATENCY_SLOTS,
  UDP_RR_CLIENT_STATE as S,
  UDP_RR_RESPONDER_OUT as O,
  UDP_RR_RESPONDER_STATE_SLOTS,
  rrCallName,
} from '../native/rr-io.js';
import type { NativeSocket } from './native-socket.js';
import { NativeSliceRole } from './native-slice-role.js';
import { RrLatency } from './rr-latency.js';
import { HANDSHAKE_ACK, HANDSHAKE_HELLO, rrSequenceWidth, writeHandshake } from './udp-datagram.js';
import { MIN_RTO_MS, initialRtoMs, lateReplyWindowMs, maxRtoMs } from './udp-rr-rules.js';

/**
 * UDP_RR client on the native data path, as UdpRrClient: a request with no
 * reply within the retransmission timeout is given up on and the next one
 * goes out; the timeout adapts to the path (udp-rr-rules.ts, applied per reply
 * in the C loop, whose poll waits exactly that long); a reply with another
 * sequence number is late. At stop the last request is settled, then late
 * replies are listened for a little longer.
 */
export class NativeUdpRrClient extends NativeSliceRole {
  readonly kind = 'rr-client';
  readonly latency = new RrLatency();
  protected readonly failureSubject = 'UDP data socket failed';
  private readonly request: Buffer;
  private readonly width: number;
  private readonly state = new Float64Array(S.SLOTS);
  private readonly lat = new Float64Array(RR_LATENCY_SLOTS);
  private readonly out = new Float64Array(S.OUT_SLOTS);
  /** After stop: when the last request was settled (0: not yet), and how long to listen for late replies after. */
  private settledAt = 0;
  private lateWindowMs = 0;

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
    this.width = rrSequenceWidth(requestSize, responseSize);
    this.state[S.RTO_MS] = initialRtoMs(timeoutMs);
    this.state[S.MAX_RTO_MS] = maxRtoMs(timeoutMs);
    this.state[S.MIN_RTO_MS] = MIN_RTO_MS;
  }

  protected slice(mayStart: number): number {
    return this.io.udpRrClient(this.fd, this.request, this.width, mayStart, NATIVE_SLICE_MS, this.state, this.lat, this.out);
  }

  protected collect(): boolean {
    const { out, lat, counters: c } = this;
    const done = out[0];
    for (let i = 0; i < done; i++) this.latency.record(lat[i]);
    c.transactions += done;
    c.requestsSent += out[1];
    c.timeouts += out[2];
    c.lateReplies += out[3];
    return false;
  }

  protected callName(): string {
    return rrCallName(this.out[S.OUT_OP], 'udp');
  }

  protected override settled(now: number): boolean {
    if (this.settledAt === 0 && this.state[S.OUTSTANDING] === 0) this.settledAt = now;
    return this.settledAt !== 0 && now - this.settledAt >= this.lateWindowMs;
  }

  async stop(): Promise<number> {
    const stoppedAt = performance.now();
    this.lateWindowMs = lateReplyWindowMs(this.state[S.RTO_MS]);
    await this.wind();
    return stoppedAt;
  }
}

/**
 * UDP_RR responder on the native data path, as UdpRrResponder: each request
 * datagram is answered with a response carrying its sequence number, and a
 * hello retransmitted after our ack was lost gets the ack again. It answers
 * from the moment the socket is open (a late hello may come before START)
 * until it is closed, so also during stop's drain.
 */
export class NativeUdpRrResponder extends NativeSliceRole {
  readonly kind = 'rr-responder';
  protected readonly failureSubject = 'UDP data socket failed';
  private readonly response: Buffer;
  private readonly width: number;
  private readonly hello: Buffer;
  private readonly ack: Buffer;
  private readonly drainMs: number;
  private readonly state = new Float64Array(UDP_RR_RESPONDER_STATE_SLOTS);
  private readonly out = new Float64Array(O.SLOTS);

  constructor(
    io: NativeIo,
    socket: NativeSocket,
    cookie: Buffer,
    requestSize: number,
    responseSize: number,
    drainMs: number,
    onFailure: (err: Error) => void,
  ) {
    super(io, socket, Number.POSITIVE_INFINITY, onFailure);
    this.response = Buffer.alloc(responseSize, 0x72);
    this.width = rrSequenceWidth(requestSize, responseSize);
    this.hello = writeHandshake(HANDSHAKE_HELLO, cookie);
    this.ack = writeHandshake(HANDSHAKE_ACK, cookie);
    this.drainMs = drainMs;
    this.serve();
  }

  protected slice(): number {
    return this.io.udpRrResponder(this.fd, this.response, this.width, this.hello, this.ack, NATIVE_SLICE_MS, this.state, this.out);
  }

  protected collect(): boolean {
    this.counters.transactions += this.out[O.ANSWERED];
    return false;
  }

  protected callName(): string {
    return rrCallName(this.out[O.OP], 'udp');
  }

  override start(): void {}

  /** Keeps answering for the drain time: the client's last request may still be on its way. */
  stop(): Promise<number> {
    return this.drain(this.drainMs);
  }
}

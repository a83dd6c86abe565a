import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { NATIVE_SLICE_MS, STATUS_OK, errnoName, type NativeIo } from '../native/native-io.js';
import { RR_LATENCY_SLOTS, UDP_RR_CLIENT_STATE as S, rrCallName } from '../native/rr-io.js';
import type { DataRole } from './data-role.js';
import type { NativeSocket } from './native-socket.js';
import { RrLatency } from './rr-latency.js';
import { StreamCounters } from './stream-counters.js';
import { rrSequenceWidth } from './udp-datagram.js';

/** As UdpRrClient: the first timeout, before any round trip was measured. */
const INITIAL_RTO_MS = 1000;
const LATE_REPLY_WINDOW_MIN_MS = 50;
const MAX_RTO_LIMIT_MS = 86_400_000;

/**
 * UDP_RR client on the native data path, as UdpRrClient: a request with no
 * reply within the retransmission timeout is given up on and the next one
 * goes out; the timeout adapts to the path (RFC 6298, computed in the C loop,
 * whose poll waits exactly that long); a reply with another sequence number
 * is late. At stop the last request is settled, then late replies are
 * listened for a little longer.
 */
export class NativeUdpRrClient implements DataRole {
  readonly kind = 'rr-client';
  readonly dataPath = 'native';
  readonly counters = new StreamCounters();
  readonly latency = new RrLatency();
  private readonly io: NativeIo;
  private readonly socket: NativeSocket;
  private readonly fd: number;
  private readonly request: Buffer;
  private readonly width: number;
  private readonly onFailure: (err: Error) => void;
  private readonly state = new Float64Array(S.SLOTS);
  private readonly lat = new Float64Array(RR_LATENCY_SLOTS);
  private readonly out = new Float64Array(S.OUT_SLOTS);
  private running = false;
  private pumping = false;
  private closed = false;
  /** After stop: when the last request was settled (0: not yet), and how long to listen for late replies after. */
  private settledAt = 0;
  private lateWindowMs = 0;
  private onStopped: (() => void) | null = null;

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
    this.width = rrSequenceWidth(requestSize, responseSize);
    this.onFailure = onFailure;
    this.state[S.RTO_MS] = Math.min(INITIAL_RTO_MS, timeoutMs);
    // The C loop takes at most a day (udp-rr.c); --timeout has no upper limit.
    this.state[S.MAX_RTO_MS] = Math.min(timeoutMs, MAX_RTO_LIMIT_MS);
    // Closed by anyone, the descriptor number may belong to another socket by the next slice.
    socket.onClose(() => (this.closed = true));
  }

  start(): void {
    if (this.running || this.pumping) return;
    this.running = true;
    this.pumping = true;
    this.pump();
  }

  private readonly pump = (): void => {
    if (this.closed) {
      this.pumping = false;
      return;
    }
    const { out, lat } = this;
    const status = this.io.udpRrClient(this.fd, this.request, this.width, this.running ? 1 : 0, NATIVE_SLICE_MS, this.state, lat, out);
    const done = out[0];
    for (let i = 0; i < done; i++) this.latency.record(lat[i]);
    const c = this.counters;
    c.transactions += done;
    c.requestsSent += out[1];
    c.timeouts += out[2];
    c.lateReplies += out[3];
    if (status !== STATUS_OK) {
      this.pumping = false;
      this.running = false;
      // After STOP an error is the peer tidying up: stop() resolves with what was counted.
      if (this.onStopped) return this.onStopped();
      this.onFailure(
        new DataPathError(`UDP data socket failed: ${rrCallName(out[S.OUT_OP], 'udp')} ${errnoName(status)} - did the peer stop?`),
      );
      return;
    }
    if (!this.running) {
      const now = performance.now();
      if (this.settledAt === 0 && this.state[S.OUTSTANDING] === 0) this.settledAt = now;
      if (this.settledAt !== 0 && now - this.settledAt >= this.lateWindowMs) {
        this.pumping = false;
        this.onStopped?.();
        return;
      }
    }
    setImmediate(this.pump);
  };

  stop(): Promise<number> {
    this.running = false;
    const stoppedAt = performance.now();
    if (!this.pumping) return Promise.resolve(stoppedAt);
    // The last request is settled, answered or timed out, so every request sent is accounted for;
    // then a reply given up on may still arrive, and is late, not lost.
    this.lateWindowMs = Math.max(LATE_REPLY_WINDOW_MIN_MS, 4 * this.state[S.RTO_MS]);
    return new Promise((resolve) => {
      this.onStopped = () => resolve(stoppedAt);
    });
  }

  close(): void {
    this.running = false;
    this.closed = true;
    this.socket.close();
  }
}

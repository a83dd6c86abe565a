import { performance } from 'node:perf_hooks';
import { NATIVE_SLICE_MS, type NativeIo } from '../native/native-io.js';
import { PROBE_CLIENT_OUT as O, PROBE_CLIENT_STATE, PROBE_ECHOED_SLOTS, PROBE_ECHO_OUT as E } from '../native/probe-io.js';
import { rrCallName } from '../native/rr-io.js';
import type { NativeSocket } from './native-socket.js';
import { NativeSliceRole } from './native-slice-role.js';
import { PROBE_BYTES, PROBE_FINISH_MAX_MS, ProbeLossSettler, probeReplyWindowMs, type ProbeLog } from './probe-datagram.js';
import { RrLatency } from './rr-latency.js';
import { HANDSHAKE_ACK, HANDSHAKE_HELLO, writeHandshake } from './udp-datagram.js';

/**
 * RRUL's probe flow on the native data path, as ProbeClient: the C loop
 * (probe.c) keeps the schedule and times each round trip to the kernel's
 * receive timestamp, so neither this thread's turns between slices nor a
 * busy core add to a round trip; a late slice shows as send lateness.
 */
export class NativeProbeClient extends NativeSliceRole {
  readonly kind = 'rr-client';
  readonly latency = new RrLatency();
  protected readonly failureSubject = 'UDP probe socket failed';
  private readonly intervalMs: number;
  private readonly total: number;
  private readonly state = new Float64Array(PROBE_CLIENT_STATE.SLOTS);
  private readonly rttMs: Float64Array;
  private readonly lateMs: Float64Array;
  private readonly echoed = new Float64Array(PROBE_ECHOED_SLOTS);
  private readonly out = new Float64Array(O.SLOTS);
  private longestRttMs = 0;
  /** After stop: when listening for the last echoes ends. */
  private listenUntil = 0;
  private readonly lossSettler = new ProbeLossSettler();

  constructor(io: NativeIo, socket: NativeSocket, intervalMs: number, total: number, timeoutMs: number, onFailure: (err: Error) => void) {
    super(io, socket, timeoutMs, onFailure);
    this.intervalMs = intervalMs;
    this.total = total;
    this.rttMs = new Float64Array(total).fill(Number.NaN);
    this.lateMs = new Float64Array(total);
  }

  get probes(): ProbeLog {
    return { sent: this.state[0], rttMs: this.rttMs, lateMs: this.lateMs };
  }

  /** Live loss, as ProbeClient's. */
  syncCounters(): void {
    const windowMs = probeReplyWindowMs(this.longestRttMs, this.timeoutMs);
    this.counters.timeouts += this.lossSettler.settle(this.rttMs, this.state[0], this.running, windowMs, this.intervalMs);
  }

  protected slice(mayStart: number): number {
    const { intervalMs, total, state, rttMs, lateMs, echoed, out } = this;
    return this.io.probeClient(this.fd, intervalMs, total, mayStart, NATIVE_SLICE_MS, state, rttMs, lateMs, echoed, out);
  }

  protected collect(): boolean {
    const { out, echoed, rttMs, counters: c } = this;
    c.requestsSent += out[O.SENT];
    c.packets += out[O.SENT];
    c.lateReplies += out[O.STRAY];
    for (let i = 0; i < out[O.ECHOED]; i++) {
      const rtt = rttMs[echoed[i]];
      this.latency.record(rtt);
      if (rtt > this.longestRttMs) this.longestRttMs = rtt;
    }
    c.transactions += out[O.ECHOED];
    return false;
  }

  protected callName(): string {
    return rrCallName(this.out[O.OP], 'udp');
  }

  protected override settled(now: number): boolean {
    return now >= this.listenUntil;
  }

  /**
   * Sends what is left of the schedule (PROBE_FINISH_MAX_MS at most), then
   * stops; echoes of the last probes are listened for, twice the longest
   * round trip seen.
   */
  async stop(): Promise<number> {
    const left = this.running ? (this.total - this.state[0]) * this.intervalMs : 0;
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(left, PROBE_FINISH_MAX_MS)));
    this.running = false;
    const stoppedAt = performance.now();
    this.listenUntil = stoppedAt + probeReplyWindowMs(this.longestRttMs, this.timeoutMs);
    await this.wind();
    return stoppedAt;
  }
}

/**
 * RRUL's probe echo on the native data path, as ProbeEcho: every probe goes
 * back as it came, from the moment the socket is open until it is closed
 * (so also during stop's drain).
 */
export class NativeProbeEcho extends NativeSliceRole {
  readonly kind = 'rr-responder';
  protected readonly failureSubject = 'UDP probe socket failed';
  lastActivityAt = 0;
  private readonly hello: Buffer;
  private readonly ack: Buffer;
  private readonly drainMs: number;
  private readonly out = new Float64Array(E.SLOTS);

  constructor(io: NativeIo, socket: NativeSocket, cookie: Buffer, drainMs: number, onFailure: (err: Error) => void) {
    super(io, socket, Number.POSITIVE_INFINITY, onFailure);
    this.hello = writeHandshake(HANDSHAKE_HELLO, cookie);
    this.ack = writeHandshake(HANDSHAKE_ACK, cookie);
    this.drainMs = drainMs;
    this.serve();
  }

  protected slice(): number {
    return this.io.probeEcho(this.fd, this.hello, this.ack, NATIVE_SLICE_MS, this.out);
  }

  protected collect(now: number): boolean {
    const echoed = this.out[E.ECHOED];
    if (echoed > 0) {
      this.lastActivityAt = now;
      this.counters.transactions += echoed;
      this.counters.packets += echoed;
      this.counters.bytes += echoed * PROBE_BYTES;
    }
    return false;
  }

  protected callName(): string {
    return rrCallName(this.out[E.OP], 'udp');
  }

  override start(): void {}

  /** Keeps echoing for the drain time: the client's last probes may still be on their way. */
  stop(): Promise<number> {
    return this.drain(this.drainMs);
  }
}

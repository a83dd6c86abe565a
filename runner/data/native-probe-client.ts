import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { NATIVE_SLICE_MS, STATUS_OK, errnoName, type NativeIo } from '../native/native-io.js';
import { PROBE_CLIENT_OUT as O, PROBE_CLIENT_STATE, PROBE_ECHOED_SLOTS } from '../native/probe-io.js';
import { rrCallName } from '../native/rr-io.js';
import type { DataRole } from './data-role.js';
import type { NativeSocket } from './native-socket.js';
import { PROBE_FINISH_MAX_MS, ProbeLossSettler, probeReplyWindowMs, type ProbeLog } from './probe-datagram.js';
import { RrLatency } from './rr-latency.js';
import { StreamCounters } from './stream-counters.js';

/**
 * RRUL's probe flow on the native data path, as ProbeClient: the C loop
 * (probe.c) keeps the schedule and times each round trip to the kernel's
 * receive timestamp, so neither this thread's turns between slices nor a
 * busy core add to a round trip; a late slice shows as send lateness.
 */
export class NativeProbeClient implements DataRole {
  readonly kind = 'rr-client';
  readonly dataPath = 'native';
  readonly counters = new StreamCounters();
  readonly latency = new RrLatency();
  private readonly io: NativeIo;
  private readonly socket: NativeSocket;
  private readonly fd: number;
  private readonly intervalMs: number;
  private readonly total: number;
  private readonly timeoutMs: number;
  private readonly onFailure: (err: Error) => void;
  private readonly state = new Float64Array(PROBE_CLIENT_STATE.SLOTS);
  private readonly rttMs: Float64Array;
  private readonly lateMs: Float64Array;
  private readonly echoed = new Float64Array(PROBE_ECHOED_SLOTS);
  private readonly out = new Float64Array(O.SLOTS);
  private running = false;
  private pumping = false;
  private closed = false;
  private longestRttMs = 0;
  private readonly lossSettler = new ProbeLossSettler();
  /** After stop: when listening for the last echoes ends. */
  private listenUntil = 0;
  private onStopped: (() => void) | null = null;

  constructor(io: NativeIo, socket: NativeSocket, intervalMs: number, total: number, timeoutMs: number, onFailure: (err: Error) => void) {
    this.io = io;
    this.socket = socket;
    this.fd = socket.fd;
    this.intervalMs = intervalMs;
    this.total = total;
    this.timeoutMs = timeoutMs;
    this.onFailure = onFailure;
    this.rttMs = new Float64Array(total).fill(Number.NaN);
    this.lateMs = new Float64Array(total);
    // Closed by anyone, the descriptor number may belong to another socket by the next slice.
    socket.onClose(() => (this.closed = true));
  }

  get probes(): ProbeLog {
    return { sent: this.state[0], rttMs: this.rttMs, lateMs: this.lateMs };
  }

  /** Live loss, as ProbeClient's. */
  syncCounters(): void {
    const windowMs = probeReplyWindowMs(this.longestRttMs, this.timeoutMs);
    this.counters.timeouts += this.lossSettler.settle(this.rttMs, this.state[0], this.running, windowMs, this.intervalMs);
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
    const { out, echoed, rttMs } = this;
    const status = this.io.probeClient(
      this.fd,
      this.intervalMs,
      this.total,
      this.running ? 1 : 0,
      NATIVE_SLICE_MS,
      this.state,
      rttMs,
      this.lateMs,
      echoed,
      out,
    );
    const c = this.counters;
    c.requestsSent += out[O.SENT];
    c.packets += out[O.SENT];
    c.lateReplies += out[O.STRAY];
    for (let i = 0; i < out[O.ECHOED]; i++) {
      const rtt = rttMs[echoed[i]];
      this.latency.record(rtt);
      if (rtt > this.longestRttMs) this.longestRttMs = rtt;
    }
    c.transactions += out[O.ECHOED];
    if (status !== STATUS_OK) {
      this.pumping = false;
      this.running = false;
      // After STOP an error is the peer tidying up: stop() resolves with what was counted.
      if (this.onStopped) return this.onStopped();
      this.onFailure(
        new DataPathError(`UDP probe socket failed: ${rrCallName(out[O.OP], 'udp')} ${errnoName(status)} - did the peer stop?`),
      );
      return;
    }
    if (!this.running && this.onStopped && performance.now() >= this.listenUntil) {
      this.pumping = false;
      this.onStopped();
      return;
    }
    setImmediate(this.pump);
  };

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
    if (!this.pumping) return Promise.resolve(stoppedAt);
    this.listenUntil = stoppedAt + probeReplyWindowMs(this.longestRttMs, this.timeoutMs);
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

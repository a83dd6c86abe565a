import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { DataRole } from './data-role.js';
import { PROBE_BYTES, PROBE_FINISH_MAX_MS, ProbeLossSettler, probeReplyWindowMs, type ProbeLog } from './probe-datagram.js';
import { RrLatency } from './rr-latency.js';
import { StreamCounters } from './stream-counters.js';

/** Send buffers used in turn: a datagram queued in the socket is not overwritten by the next probe's. */
const SEND_RING = 64;

/**
 * RRUL's probe flow on the JavaScript path: probe k leaves at
 * start + k * interval whatever happened to the probes before it (no wait
 * for an echo, so a slow or lost echo never delays the schedule), stamped
 * with its sequence number and send time. An echo gives that probe's round
 * trip; a probe never echoed is lost. A timer that fires late sends every
 * probe already due at once, each with its real send time, and the lateness
 * against the schedule is recorded per probe.
 */
export class ProbeClient implements DataRole {
  readonly kind = 'rr-client';
  readonly dataPath = 'js';
  readonly counters = new StreamCounters();
  readonly latency = new RrLatency();
  private readonly socket: Socket;
  private readonly intervalMs: number;
  private readonly total: number;
  private readonly timeoutMs: number;
  private readonly sentAt: Float64Array;
  private readonly rttMs: Float64Array;
  private readonly lateMs: Float64Array;
  private readonly ring: Buffer[];
  private next = 0;
  private startedAt = 0;
  private longestRttMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly lossSettler = new ProbeLossSettler();

  constructor(socket: Socket, intervalMs: number, total: number, timeoutMs: number) {
    this.socket = socket;
    this.intervalMs = intervalMs;
    this.total = total;
    this.timeoutMs = timeoutMs;
    this.sentAt = new Float64Array(total);
    this.rttMs = new Float64Array(total).fill(Number.NaN);
    this.lateMs = new Float64Array(total);
    this.ring = Array.from({ length: SEND_RING }, () => Buffer.alloc(PROBE_BYTES));
    socket.on('message', this.onEcho);
  }

  get probes(): ProbeLog {
    return { sent: this.next, rttMs: this.rttMs, lateMs: this.lateMs };
  }

  /** Live loss: the probes whose reply window has passed without an echo (all of them once stopped). */
  syncCounters(): void {
    const windowMs = probeReplyWindowMs(this.longestRttMs, this.timeoutMs);
    this.counters.timeouts += this.lossSettler.settle(this.rttMs, this.next, this.running, windowMs, this.intervalMs);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedAt = performance.now();
    this.tick();
  }

  private readonly tick = (): void => {
    this.timer = null;
    if (!this.running) return;
    const now = performance.now();
    while (this.next < this.total && this.startedAt + this.next * this.intervalMs <= now) this.send(now);
    if (this.next >= this.total) return;
    const due = this.startedAt + this.next * this.intervalMs;
    this.timer = setTimeout(this.tick, Math.max(0, due - performance.now()));
  };

  private send(now: number): void {
    const k = this.next++;
    const b = this.ring[k % SEND_RING];
    b.writeUInt32BE(k, 0);
    b.writeDoubleBE(now, 8);
    this.sentAt[k] = now;
    this.lateMs[k] = now - (this.startedAt + k * this.intervalMs);
    this.counters.requestsSent++;
    this.counters.packets++;
    this.counters.bytes += PROBE_BYTES;
    this.socket.send(b);
  }

  private readonly onEcho = (msg: Buffer): void => {
    const now = performance.now();
    if (msg.length !== PROBE_BYTES) return;
    const k = msg.readUInt32BE(0);
    // Only an echo of a probe we sent, carrying the time we wrote, and the first echo of it, counts.
    if (k >= this.next || !Number.isNaN(this.rttMs[k]) || msg.readDoubleBE(8) !== this.sentAt[k]) {
      this.counters.lateReplies++;
      return;
    }
    const rtt = now - this.sentAt[k];
    this.rttMs[k] = rtt;
    if (rtt > this.longestRttMs) this.longestRttMs = rtt;
    this.latency.record(rtt);
    this.counters.transactions++;
  };

  /**
   * Sends what is left of the schedule (PROBE_FINISH_MAX_MS at most), then
   * stops; echoes of the last probes are waited for, twice the longest round
   * trip seen.
   */
  async stop(): Promise<number> {
    const left = this.running ? this.startedAt + this.total * this.intervalMs - performance.now() : 0;
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(left, PROBE_FINISH_MAX_MS)));
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    const stoppedAt = performance.now();
    const windowMs = probeReplyWindowMs(this.longestRttMs, this.timeoutMs);
    return new Promise((resolve) => setTimeout(() => resolve(stoppedAt), windowMs));
  }

  close(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

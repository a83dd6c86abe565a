import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { STATUS_EOF, STATUS_OK, errnoName, type NativeIo } from '../native/native-io.js';
import type { DataRole } from './data-role.js';
import type { NativeSocket } from './native-socket.js';
import { StreamCounters } from './stream-counters.js';

/**
 * One role of the native data path, as a declaration: which C call runs a
 * slice (`slice`), what its `out` slots add to the figures (`collect`), how a
 * failed call is worded, and what its stop waits for. This driver does the
 * rest once for every role: it calls the slice on every turn of the event
 * loop (setImmediate, so the interval timer and STOP get their turn about
 * every NATIVE_SLICE_MS), turns a status into a failure or the peer's end,
 * fails a stream silent for the timeout, and settles a stop.
 *
 * Lifecycle: `start()` lets the C loop start new work (requests, probes,
 * writes: mayStart 1); stopping clears that and keeps pumping until the role
 * says it is `settled`; `close()` stops calling into C at once, since the
 * descriptor number may belong to another socket by the next slice.
 */
export abstract class NativeSliceRole implements DataRole {
  abstract readonly kind: DataRole['kind'];
  readonly dataPath = 'native';
  readonly counters = new StreamCounters();
  protected readonly io: NativeIo;
  /** The role's socket; null for a role whose C loop opens its own (TCP_CRR's client). */
  protected readonly socket: NativeSocket | null;
  /** The socket's descriptor, valid until `closed` (-1: no socket). */
  protected readonly fd: number;
  protected readonly timeoutMs: number;
  private readonly onFailure: (err: Error) => void;
  /** The C loop may start new work. */
  protected running = false;
  protected closed = false;
  protected failure: Error | null = null;
  protected lastProgressAt = 0;
  /** The peer ended its side: nothing more will come. */
  protected peerEnded = false;
  private pumping = false;
  private nextSlice: NodeJS.Immediate | null = null;
  private nextTick: NodeJS.Timeout | null = null;
  /** Set while a stop waits for the role to settle: a failure then ends the wait, not the stream. */
  private onSettled: ((err: Error | null) => void) | null = null;

  constructor(io: NativeIo, socket: NativeSocket | null, timeoutMs: number, onFailure: (err: Error) => void) {
    this.io = io;
    this.socket = socket;
    this.fd = socket?.fd ?? -1;
    this.timeoutMs = timeoutMs;
    this.onFailure = onFailure;
    // Closed by anyone, the descriptor number may belong to another socket by the next slice.
    socket?.onClose(() => {
      this.closed = true;
      this.running = false;
    });
  }

  /** Runs one slice of the role's C loop; mayStart is 1 while the role may start new work. */
  protected abstract slice(mayStart: number): number;
  /** Adds this slice's `out` deltas to the figures; true when a byte moved (the silence clock starts again). */
  protected abstract collect(now: number): boolean;
  /** The failed call as Node words it in a socket error ('read', 'recvmsg'), from the slice's op slot. */
  protected abstract callName(): string;
  /** What failed, before the call: 'data connection failed', 'UDP data socket failed'. */
  protected abstract readonly failureSubject: string;

  /** The peer ended its side (BENCH_EOF). Default: the stream is over, as after a stop. */
  protected onPeerEnd(_now: number): void {
    this.settle(null);
  }

  /** How a silence of timeoutMs fails the stream, or null when this role is not watched for silence now. */
  protected silence(): Error | null {
    return null;
  }

  /** While stopping: true once nothing is left in flight, so stop may resolve. */
  protected settled(_now: number): boolean {
    return false;
  }

  /** A failure while stopping: resolves stop (true: the peer tidying up) or rejects it (false). */
  protected readonly failureEndsStop: boolean = true;

  start(): void {
    if (this.running || this.pumping || this.closed || this.peerEnded || this.failure) return;
    this.running = true;
    this.lastProgressAt = performance.now();
    this.pump();
  }

  /**
   * Runs the C loop from the next turn on without starting new work: a
   * responder answers from the moment its socket is open (a late hello may
   * come before START). Called at the end of the role's constructor, once its
   * own fields are there.
   */
  protected serve(): void {
    this.pumping = true;
    this.lastProgressAt = performance.now();
    this.nextSlice = setImmediate(this.pump);
  }

  protected readonly pump = (): void => {
    this.nextSlice = null;
    this.nextTick = null;
    if (this.closed || this.socket?.closed) {
      this.pumping = false;
      return;
    }
    this.pumping = true;
    const status = this.slice(this.running ? 1 : 0);
    const now = performance.now();
    if (this.collect(now)) this.lastProgressAt = now;
    if (status === STATUS_EOF) {
      this.halt();
      this.peerEnded = true;
      return this.onPeerEnd(now);
    }
    if (status !== STATUS_OK) return this.fail(this.callFailure(status));
    if (now - this.lastProgressAt > this.timeoutMs) {
      const silent = this.silence();
      if (silent) return this.fail(silent);
    }
    const verdict = this.verdict(now);
    if (verdict) return this.fail(verdict);
    if (this.onSettled && this.settled(now)) return this.settle(null);
    const pauseMs = this.pauseMs(now);
    if (pauseMs > 0) this.nextTick = setTimeout(this.pump, pauseMs);
    else this.nextSlice = setImmediate(this.pump);
  };

  /** A failure the slice's figures show though its call went well (every connection refused for the timeout), or null. */
  protected verdict(_now: number): Error | null {
    return null;
  }

  /** How long to wait before the next slice: 0 for the next turn of the event loop (a paced sender ahead of its schedule waits a timer tick). */
  protected pauseMs(_now: number): number {
    return 0;
  }

  /** The failure a status other than OK or EOF stands for. */
  protected callFailure(status: number): Error {
    return new DataPathError(`${this.failureSubject}: ${this.callName()} ${errnoName(status)} - did the peer stop?`);
  }

  /** Stops calling into C (the socket stays open). */
  protected halt(): void {
    this.pumping = false;
    if (this.nextSlice) clearImmediate(this.nextSlice);
    if (this.nextTick) clearTimeout(this.nextTick);
    this.nextSlice = null;
    this.nextTick = null;
  }

  /** Ends the stream with a failure: a stop under way settles with it, otherwise the harness hears of it. */
  protected fail(err: Error): void {
    this.halt();
    this.running = false;
    this.failure = err;
    if (this.onSettled) this.settle(this.failureEndsStop ? null : err);
    else this.onFailure(err);
  }

  private settle(err: Error | null): void {
    this.halt();
    this.running = false;
    const settled = this.onSettled;
    this.onSettled = null;
    settled?.(err);
  }

  /**
   * Stops starting new work and keeps the loop going until `settled` (or the
   * peer's end, or a failure). Resolves at once when nothing is pumping.
   */
  protected wind(): Promise<void> {
    this.running = false;
    if (this.failure && !this.failureEndsStop) return Promise.reject(this.failure);
    if (!this.pumping) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.onSettled = (err) => (err ? reject(err) : resolve());
    });
  }

  /** Keeps the loop going for drainMs after STOP (a responder's peer may still have datagrams in flight); resolves with STOP's time. */
  protected drain(drainMs: number): Promise<number> {
    const stoppedAt = performance.now();
    return new Promise((resolve) => setTimeout(() => resolve(stoppedAt), drainMs));
  }

  abstract stop(): Promise<number>;

  close(): void {
    this.running = false;
    this.closed = true;
    this.halt();
    this.socket?.close();
  }
}

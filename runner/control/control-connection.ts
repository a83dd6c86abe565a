import type { Socket } from 'node:net';
import { BenchError, PeerClosedError, PeerTimeoutError, asBenchError } from '../core/errors.js';
import { FrameDecoder, encodeFrame } from './frame-decoder.js';
import { MAX_CONTROL_FRAME_BYTES, encodeMessage, type ControlMessage } from './messages.js';

/**
 * One control socket: frames in and out, and a wait for the next message with
 * a deadline. Blocking without a deadline is how the seed's tester hung, so
 * every wait here has one; the message says who went silent and in what phase.
 */
export class ControlConnection<In extends ControlMessage, Out extends ControlMessage> {
  readonly socket: Socket;
  readonly peerName: string;
  private readonly decoder = new FrameDecoder(MAX_CONTROL_FRAME_BYTES);
  private readonly parse: (frame: Buffer) => In;
  private readonly inbox: In[] = [];
  private waiter: { resolve: (m: In) => void; reject: (e: BenchError) => void } | null = null;
  private failure: BenchError | null = null;
  private listener: ((m: In) => boolean) | null = null;
  private onFailure: Array<(e: BenchError) => void> = [];

  constructor(socket: Socket, peerName: string, parse: (frame: Buffer) => In) {
    this.socket = socket;
    this.peerName = peerName;
    this.parse = parse;
    socket.setNoDelay(true);
    // A peer that vanishes without a FIN (power off, cable) is found by keepalive probes.
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(asBenchError(err)));
    socket.on('close', () => this.fail(new PeerClosedError(`${peerName} closed the control connection`)));
  }

  send(message: Out): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    this.socket.write(encodeFrame(encodeMessage(message)));
  }

  /**
   * Waits for the next message. `phase` names what we are waiting for, for the
   * error a user reads when the peer goes silent.
   */
  next(timeoutMs: number, phase: string): Promise<In> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<In>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new PeerTimeoutError(`${this.peerName} sent nothing for ${formatSeconds(timeoutMs)} while ${phase} - is it still running?`));
      }, timeoutMs);
      this.waiter = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** Messages for which `handler` returns true are consumed by it instead of queued. */
  intercept(handler: ((m: In) => boolean) | null): void {
    this.listener = handler;
  }

  /** Resolves when the connection has failed or closed, with why. */
  get failed(): BenchError | null {
    return this.failure;
  }

  close(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.failure) return;
    let messages: In[];
    try {
      messages = this.decoder.push(chunk).map(this.parse);
    } catch (err) {
      this.fail(asBenchError(err));
      this.socket.destroy();
      return;
    }
    for (const message of messages) {
      if (this.listener?.(message)) continue;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w.resolve(message);
      } else {
        this.inbox.push(message);
      }
    }
  }

  /**
   * Races `work` against this connection: if the peer goes away first, the
   * result is the connection's error (a dead client must not hold the server).
   */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const onFail = (e: BenchError): void => reject(e);
      this.onFailure.push(onFail);
      work.then(
        (v) => {
          this.onFailure = this.onFailure.filter((f) => f !== onFail);
          resolve(v);
        },
        (e: unknown) => {
          this.onFailure = this.onFailure.filter((f) => f !== onFail);
          reject(e);
        },
      );
    });
  }

  private fail(err: BenchError): void {
    if (this.failure) return;
    this.failure = err;
    for (const f of this.onFailure.splice(0)) f(err);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(err);
    }
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

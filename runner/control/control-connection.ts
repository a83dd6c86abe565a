import type { Socket } from 'node:net';
import { type BenchError, PeerClosedError, PeerTimeoutError, ProtocolError, asBenchError } from '../core/errors.js';
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
  private readonly decoder: FrameDecoder;
  /** Gets the peer's name, so that a message it cannot accept names who sent it. */
  private readonly parse: (frame: Buffer, peerName: string) => In;
  private readonly inbox: In[] = [];
  private waiter: { resolve: (m: In) => void; reject: (e: BenchError) => void } | null = null;
  private failure: BenchError | null = null;
  private listener: ((m: In) => boolean) | null = null;
  private onFailure: Array<(e: BenchError) => void> = [];

  /** `maxMessageBytes`: what one message from the peer may hold, in one frame or in parts (a client's end: MAX_SERVER_MESSAGE_BYTES). */
  constructor(socket: Socket, peerName: string, parse: (frame: Buffer, peerName: string) => In, maxMessageBytes = MAX_CONTROL_FRAME_BYTES) {
    this.socket = socket;
    this.decoder = new FrameDecoder(MAX_CONTROL_FRAME_BYTES, maxMessageBytes);
    this.peerName = peerName;
    this.parse = parse;
    socket.setNoDelay(true);
    // A peer that vanishes without a FIN (power off, cable) is found by keepalive probes.
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(socketError(peerName, err)));
    socket.on('close', () => this.fail(new PeerClosedError(`${peerName} closed the control connection`)));
  }

  send(message: Out): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    this.socket.write(encodeFrame(encodeMessage(message), MAX_CONTROL_FRAME_BYTES));
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

  /** Whether a next() is waiting: a message arriving now is the one it waits for, not one behind it. */
  get awaiting(): boolean {
    return this.waiter !== null;
  }

  /** Messages for which `handler` returns true are consumed by it instead of queued. */
  intercept(handler: ((m: In) => boolean) | null): void {
    this.listener = handler;
  }

  /** Resolves when the connection has failed or closed, with why. */
  get failed(): BenchError | null {
    return this.failure;
  }

  /** Whether a message can still reach the peer: it has not closed or reset the connection. */
  get writable(): boolean {
    return !this.socket.destroyed && this.socket.writable;
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
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.refuseInput(asBenchError(err));
      return;
    }
    for (const frame of frames) {
      let message: In;
      try {
        message = this.parse(frame, this.peerName);
      } catch (err) {
        // Frames before the bad one were well formed: the owner sees them first, then the failure.
        this.refuseInput(asBenchError(err));
        return;
      }
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
   * The peer sent something we cannot read: stop reading, but leave the
   * socket open so the owner can tell the peer why before it closes
   * (every owner closes its connection when a wait fails).
   */
  private refuseInput(err: BenchError): void {
    this.socket.pause();
    this.fail(err);
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

  /**
   * Like `race`, for a phase in which the peer has nothing to say: a message
   * it sends meanwhile is out of order and ends the wait at once, instead of
   * waiting in the inbox until the phase is over.
   */
  raceSilent<T>(work: Promise<T>, phase: string): Promise<T> {
    const early = this.inbox.shift();
    if (early) return Promise.reject(this.outOfOrder(early, phase));
    let refuse!: (e: BenchError) => void;
    const spoke = new Promise<never>((_, reject) => (refuse = reject));
    // Messages an existing interceptor takes are expected ones; anything else is out of order.
    const previous = this.listener;
    this.intercept((m) => {
      if (!previous?.(m)) refuse(this.outOfOrder(m, phase));
      return true;
    });
    return this.race(Promise.race([work, spoke])).finally(() => this.intercept(previous));
  }

  private outOfOrder(m: In, phase: string): ProtocolError {
    return new ProtocolError(`unexpected ${m.type} from ${this.peerName} while ${phase}`);
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

/** A socket error as a person reads it: who, and what it means (a bare 'read ECONNRESET' says neither). */
function socketError(peerName: string, err: NodeJS.ErrnoException): BenchError {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE')
    return new PeerClosedError(`${peerName} reset the control connection - did it stop or crash?`);
  if (err.code === 'ETIMEDOUT')
    return new PeerTimeoutError(
      `${peerName} stopped answering on the control connection (TCP keepalive timed out) - is the host still up?`,
    );
  return new PeerClosedError(`control connection to ${peerName} failed: ${err.message}`);
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

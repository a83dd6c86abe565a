import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { DataRole } from './data-role.js';
import { StreamCounters } from './stream-counters.js';

/** Answers every whole request with one response, however the bytes arrive (reads arrive through onBytes). */
export class TcpRrResponder implements DataRole {
  readonly kind = 'rr-responder';
  readonly dataPath = 'js';
  readonly counters = new StreamCounters();
  private readonly socket: Socket;
  private readonly requestSize: number;
  private readonly response: Buffer;
  private readonly timeoutMs: number;
  private pendingBytes = 0;
  private ended = false;
  private onEnd: (() => void) | null = null;

  constructor(socket: Socket, requestSize: number, responseSize: number, timeoutMs: number) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    socket.on('end', () => {
      this.ended = true;
      this.onEnd?.();
    });
    this.requestSize = requestSize;
    this.response = Buffer.alloc(responseSize, 0x72);
  }

  readonly onBytes = (n: number): void => {
    this.pendingBytes += n;
    while (this.pendingBytes >= this.requestSize) {
      this.pendingBytes -= this.requestSize;
      this.counters.transactions++;
      this.socket.write(this.response);
    }
  };

  start(): void {
    this.socket.resume();
  }

  /**
   * Keeps answering until the client ends the connection: STOP on the control
   * channel can overtake the client's last request, which still deserves an
   * answer.
   */
  stop(): Promise<number> {
    if (this.ended) return Promise.resolve(performance.now());
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(performance.now()), this.timeoutMs);
      this.onEnd = () => {
        clearTimeout(timer);
        resolve(performance.now());
      };
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

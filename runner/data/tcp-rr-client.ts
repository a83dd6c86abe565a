import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import type { DataRole } from './data-role.js';
import { RrLatency } from './rr-latency.js';
import { StreamCounters } from './stream-counters.js';

/**
 * One request out, the whole response back, then the next: a transaction.
 * Responses are read into one reused buffer (see connectTcpData's onRead).
 */
export class TcpRrClient implements DataRole {
  readonly kind = 'rr-client';
  readonly dataPath = 'js';
  readonly counters = new StreamCounters();
  readonly latency = new RrLatency();
  private readonly socket: Socket;
  private readonly request: Buffer;
  private readonly responseSize: number;
  private readonly timeoutMs: number;
  private running = false;
  private outstanding = false;
  private responseBytes = 0;
  private sentAt = 0;
  private onSettled: (() => void) | null = null;

  constructor(socket: Socket, requestSize: number, responseSize: number, timeoutMs: number) {
    this.socket = socket;
    this.request = Buffer.alloc(requestSize, 0x71);
    this.responseSize = responseSize;
    this.timeoutMs = timeoutMs;
  }

  readonly onBytes = (n: number): void => {
    this.responseBytes += n;
    if (!this.outstanding || this.responseBytes < this.responseSize) return;
    this.responseBytes -= this.responseSize;
    this.outstanding = false;
    this.latency.record(performance.now() - this.sentAt);
    this.counters.transactions++;
    if (this.running) this.send();
    else this.onSettled?.();
  };

  start(): void {
    this.running = true;
    this.send();
  }

  private send(): void {
    this.outstanding = true;
    this.counters.requestsSent++;
    this.sentAt = performance.now();
    this.socket.write(this.request);
  }

  /** Settles the last request, then ends the connection: that end is what releases the responder. */
  stop(): Promise<number> {
    this.running = false;
    const stoppedAt = performance.now();
    const settled = this.outstanding
      ? new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new DataPathError(`no response to the last request within ${this.timeoutMs / 1000}s`)),
            this.timeoutMs,
          );
          this.onSettled = () => {
            clearTimeout(timer);
            resolve();
          };
        })
      : Promise.resolve();
    return settled.then(() => {
      this.socket.end();
      return stoppedAt;
    });
  }

  close(): void {
    this.running = false;
    this.socket.destroy();
  }
}

import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { DataRole } from './data-role.js';
import { StreamCounters } from './stream-counters.js';

/** Answers every whole request with one response, however the bytes arrive. */
export class TcpRrResponder implements DataRole {
  readonly kind = 'rr-responder';
  readonly counters = new StreamCounters();
  private readonly socket: Socket;
  private readonly requestSize: number;
  private readonly response: Buffer;
  private pendingBytes = 0;

  constructor(socket: Socket, requestSize: number, responseSize: number) {
    this.socket = socket;
    this.requestSize = requestSize;
    this.response = Buffer.alloc(responseSize, 0x72);
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk.length));
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

  stop(): Promise<number> {
    return Promise.resolve(performance.now());
  }

  close(): void {
    this.socket.destroy();
  }
}

import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { DataRole } from './data-role.js';
import { StreamCounters } from './stream-counters.js';
import { endTcpStream } from './tcp-data-connection.js';

/** Writes one reused buffer as fast as the socket takes it. */
const WRITES_PER_TURN = 16;

export class TcpStreamSender implements DataRole {
  readonly kind = 'sender';
  readonly dataPath = 'js';
  readonly counters = new StreamCounters();
  private readonly socket: Socket;
  private readonly message: Buffer;
  private running = false;

  constructor(socket: Socket, size: number) {
    this.socket = socket;
    // Content is irrelevant to the measurement; one buffer serves every write.
    this.message = Buffer.alloc(size, 0x62);
    socket.on('drain', this.pump);
  }

  start(): void {
    this.running = true;
    this.pump();
  }

  private readonly pump = (): void => {
    // Yield every few writes: when the kernel takes each write at once, write()
    // never returns false, and without yielding no timer or STOP would run.
    for (let i = 0; i < WRITES_PER_TURN; i++) {
      if (!this.running) return;
      this.counters.bytes += this.message.length;
      if (!this.socket.write(this.message)) return;
    }
    setImmediate(this.pump);
  };

  stop(): Promise<number> {
    this.running = false;
    return endTcpStream(this.socket, performance.now());
  }

  close(): void {
    this.running = false;
    this.socket.destroy();
  }
}

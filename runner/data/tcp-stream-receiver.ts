import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import type { DataClock, DataRole } from './data-role.js';
import { PeerEnd } from './peer-end.js';
import { StreamCounters } from './stream-counters.js';

/**
 * Counts bytes until the sender closes its side. The clock starts at START or
 * at the first byte, whichever comes first; the stream ends at its last byte.
 */
export class TcpStreamReceiver implements DataRole {
  readonly kind = 'receiver';
  readonly dataPath = 'js';
  readonly counters = new StreamCounters();
  private readonly socket: Socket;
  private readonly clock: DataClock;
  private readonly timeoutMs: number;
  private lastByteAt = 0;
  private readonly peerEnd = new PeerEnd();

  constructor(socket: Socket, clock: DataClock, timeoutMs: number) {
    this.socket = socket;
    this.clock = clock;
    this.timeoutMs = timeoutMs;
    socket.on('end', () => this.peerEnd.mark());
  }

  /** Called for every read, from 'data' events or the reused onread buffer. */
  readonly onBytes = (n: number): void => {
    if (!this.clock.started) this.clock.start();
    this.counters.bytes += n;
    this.lastByteAt = performance.now();
  };

  start(): void {
    this.socket.resume();
  }

  stop(): Promise<number> {
    const late = () => new DataPathError(`the sender did not finish its stream within ${this.timeoutMs / 1000}s of STOP`);
    return this.peerEnd.wait(this.timeoutMs, late).then(() => this.lastByteAt || performance.now());
  }

  close(): void {
    this.socket.destroy();
  }
}

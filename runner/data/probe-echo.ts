import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { DataRole } from './data-role.js';
import { PROBE_BYTES } from './probe-datagram.js';
import { StreamCounters } from './stream-counters.js';
import { answerLateHello } from './udp-data-connection.js';
import { HANDSHAKE_BYTES, isHandshake } from './udp-datagram.js';

/**
 * RRUL's probe echo on the JavaScript path: each probe datagram goes back
 * to the client as it came (Node gives every received datagram its own
 * buffer, so it is sent back without a copy).
 */
export class ProbeEcho implements DataRole {
  readonly kind = 'rr-responder';
  readonly dataPath = 'js';
  readonly counters = new StreamCounters();
  lastActivityAt = 0;
  private readonly socket: Socket;
  private readonly cookie: Buffer;
  private readonly drainMs: number;

  constructor(socket: Socket, cookie: Buffer, drainMs: number) {
    this.socket = socket;
    this.cookie = cookie;
    this.drainMs = drainMs;
    socket.on('message', this.onProbe);
  }

  private readonly onProbe = (msg: Buffer): void => {
    if (msg.length === HANDSHAKE_BYTES && isHandshake(msg)) {
      answerLateHello(this.socket, msg, this.cookie);
      return;
    }
    if (msg.length !== PROBE_BYTES) return;
    this.lastActivityAt = performance.now();
    this.counters.transactions++;
    this.counters.packets++;
    this.counters.bytes += PROBE_BYTES;
    this.socket.send(msg);
  };

  start(): void {}

  /** Keeps echoing for the drain time: the client's last probes may still be on their way. */
  stop(): Promise<number> {
    const stoppedAt = performance.now();
    return new Promise((resolve) => setTimeout(() => resolve(stoppedAt), this.drainMs));
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

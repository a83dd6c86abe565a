import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { DataRole } from './data-role.js';
import { StreamCounters } from './stream-counters.js';
import { answerLateHello } from './udp-data-connection.js';
import { HANDSHAKE_BYTES, isHandshake, rrSequenceWidth } from './udp-datagram.js';

/** Answers each request datagram with a response carrying the request's sequence number. */
export class UdpRrResponder implements DataRole {
  readonly kind = 'rr-responder';
  readonly dataPath = 'js';
  readonly counters = new StreamCounters();
  private readonly socket: Socket;
  private readonly cookie: Buffer;
  private readonly response: Buffer;
  private readonly width: number;
  private readonly drainMs: number;

  constructor(socket: Socket, cookie: Buffer, requestSize: number, responseSize: number, drainMs: number) {
    this.socket = socket;
    this.drainMs = drainMs;
    this.cookie = cookie;
    this.response = Buffer.alloc(responseSize, 0x72);
    this.width = rrSequenceWidth(requestSize, responseSize);
    socket.on('message', this.onRequest);
  }

  private readonly onRequest = (msg: Buffer): void => {
    if (msg.length === HANDSHAKE_BYTES && isHandshake(msg)) {
      answerLateHello(this.socket, msg, this.cookie);
      return;
    }
    if (msg.length < this.width) return;
    msg.copy(this.response, 0, 0, this.width);
    this.counters.transactions++;
    this.socket.send(this.response);
  };

  start(): void {}

  /** Keeps answering for the drain time: the client's last request may still be on its way. */
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

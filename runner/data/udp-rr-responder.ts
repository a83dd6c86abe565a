import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { DataRole } from './data-role.js';
import { StreamCounters } from './stream-counters.js';
import { answerLateHello } from './udp-data-connection.js';
import { HANDSHAKE_BYTES, isHandshake, rrSequenceWidth } from './udp-datagram.js';

/** Answers each request datagram with a response carrying the request's sequence number. */
export class UdpRrResponder implements DataRole {
  readonly kind = 'rr-responder';
  readonly counters = new StreamCounters();
  private readonly socket: Socket;
  private readonly cookie: Buffer;
  private readonly response: Buffer;
  private readonly width: number;

  constructor(socket: Socket, cookie: Buffer, requestSize: number, responseSize: number) {
    this.socket = socket;
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

  stop(): Promise<number> {
    return Promise.resolve(performance.now());
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

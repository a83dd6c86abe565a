import net, { type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import type { DataRole } from './data-role.js';
import { StreamCounters } from './stream-counters.js';
import { CRR_COOKIE_BYTES } from './tcp-crr.js';

/**
 * TCP_CRR server on Node's sockets: its own listener on the stream's data
 * port (announced through onBound), which takes connection after connection.
 * Each must present the cookie, then a whole request; it gets the response
 * and this side closes first (tcp-crr.ts says why). A wrong cookie, or a
 * connection silent for the timeout, is closed unanswered.
 */
export function listenForTcpCrr(
  host: string,
  cookie: Buffer,
  requestSize: number,
  responseSize: number,
  timeoutMs: number,
  onBound: (port: number) => void,
): Promise<TcpCrrResponder> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ noDelay: true });
    server.once('error', (err) => reject(new DataPathError(`cannot open a TCP data port on ${host}: ${err.message}`, err)));
    server.listen({ host, port: 0 }, () => {
      onBound((server.address() as net.AddressInfo).port);
      resolve(new TcpCrrResponder(server, cookie, requestSize, responseSize, timeoutMs));
    });
  });
}

export class TcpCrrResponder implements DataRole {
  readonly kind = 'rr-responder';
  readonly dataPath = 'js';
  readonly counters = new StreamCounters();
  private readonly server: net.Server;
  private readonly cookie: Buffer;
  private readonly requestBytes: number;
  private readonly response: Buffer;
  private readonly open = new Set<Socket>();

  constructor(server: net.Server, cookie: Buffer, requestSize: number, responseSize: number, timeoutMs: number) {
    this.server = server;
    this.cookie = cookie;
    this.requestBytes = CRR_COOKIE_BYTES + requestSize;
    this.response = Buffer.alloc(responseSize, 0x72);
    server.on('connection', (socket) => this.answer(socket, timeoutMs));
  }

  private answer(socket: Socket, timeoutMs: number): void {
    this.open.add(socket);
    let got = 0;
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.once('close', () => this.open.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      // The cookie's bytes are checked as they come: a stranger is dropped at its first wrong byte.
      for (let i = 0; got + i < CRR_COOKIE_BYTES && i < chunk.length; i++) {
        if (chunk[i] !== this.cookie[got + i]) return socket.destroy();
      }
      const before = got;
      got += chunk.length;
      if (before < this.requestBytes && got >= this.requestBytes) {
        this.counters.transactions++;
        socket.end(this.response);
      }
    });
  }

  start(): void {}

  /** The client drops what is in flight at STOP (tcp-crr-client.ts): nothing to wait for. */
  stop(): Promise<number> {
    this.close();
    return Promise.resolve(performance.now());
  }

  close(): void {
    this.server.close();
    for (const socket of this.open) socket.destroy();
  }
}

import net, { type Socket } from 'node:net';
import { DataPathError, PeerTimeoutError } from '../core/errors.js';
import { COOKIE_BYTES } from './udp-datagram.js';

/**
 * TCP data connections. The server listens on a fresh port per stream and
 * takes the first connection that presents the test's cookie (as iperf3's
 * iperf_tcp.c does); a wrong cookie is dropped and the wait goes on.
 */
export function listenForTcpData(
  host: string,
  cookie: Buffer,
  timeoutMs: number,
  onBound: (port: number) => void,
): Promise<{ socket: Socket; leftover: Buffer }> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ noDelay: true });
    const timer = setTimeout(() => {
      server.close();
      reject(new PeerTimeoutError(`no data connection with this test's cookie arrived within ${timeoutMs / 1000}s`));
    }, timeoutMs);
    server.on('error', (err) => {
      clearTimeout(timer);
      reject(new DataPathError(`cannot open a TCP data port on ${host}: ${err.message}`, err));
    });
    server.on('connection', (socket) => {
      let got = Buffer.alloc(0);
      socket.setTimeout(timeoutMs, () => socket.destroy());
      socket.on('error', () => socket.destroy());
      const onData = (chunk: Buffer): void => {
        got = Buffer.concat([got, chunk]);
        if (got.length < COOKIE_BYTES) return;
        socket.off('data', onData);
        if (!got.subarray(0, COOKIE_BYTES).equals(cookie)) {
          socket.destroy();
          return;
        }
        socket.pause();
        clearTimeout(timer);
        server.close();
        resolve({ socket, leftover: got.subarray(COOKIE_BYTES) });
      };
      socket.on('data', onData);
    });
    server.listen({ host, port: 0 }, () => onBound((server.address() as net.AddressInfo).port));
  });
}

/**
 * Connects to a data port and presents the cookie. `onRead`, when given,
 * receives every read into one reused buffer instead of a fresh one per read.
 */
export function connectTcpData(
  host: string,
  port: number,
  cookie: Buffer,
  timeoutMs: number,
  onRead?: { buffer: Buffer; callback: (bytes: number) => void },
  localAddress?: string,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const options: net.NetConnectOpts = { host, port, noDelay: true, ...(localAddress !== undefined ? { localAddress } : {}) };
    if (onRead) {
      (options as net.TcpSocketConnectOpts).onread = {
        buffer: onRead.buffer,
        callback: (n: number) => {
          onRead.callback(n);
          return true;
        },
      };
    }
    const socket = net.connect(options);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new PeerTimeoutError(
          `data connection to ${host} port ${port} not established within ${timeoutMs / 1000}s - is a firewall dropping it?`,
        ),
      );
    }, timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new DataPathError(`cannot open the data connection to ${host} port ${port}: ${err.message} - is a firewall in the way?`, err));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.write(cookie);
      resolve(socket);
    });
  });
}

/** A sender's end of the stream after its last write: resolves with `stoppedAt` once the FIN is queued (at once when the socket is gone). */
export function endTcpStream(socket: Socket, stoppedAt: number): Promise<number> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(stoppedAt);
    socket.end(() => resolve(stoppedAt));
  });
}

import net, { type Socket } from 'node:net';
import { DataPathError, PeerTimeoutError } from '../core/errors.js';
import { errnoName, socketHandoff } from '../native/native-io.js';
import { DATA_ACK, DATA_ACK_BYTES, dataGreeting, type HandoffInbox } from './one-port.js';
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
    let boundPort = 0;
    const timer = setTimeout(() => {
      server.close();
      reject(
        new PeerTimeoutError(
          `no data connection with this test's cookie arrived on data port ${boundPort} within ${timeoutMs / 1000}s - is a firewall dropping it? (this server opens a fresh port per stream: bench serve --ephemeral-data-ports)`,
        ),
      );
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
    server.listen({ host, port: 0 }, () => {
      boundPort = (server.address() as net.AddressInfo).port;
      onBound(boundPort);
    });
  });
}

/**
 * One-port server: takes over the data connection the main thread accepted
 * on the control port (one-port.ts). The native library finds this
 * process's descriptor for it by its ends and duplicates it; once the main
 * thread has closed its own, the duplicate becomes this worker's net.Socket
 * (public API: `new net.Socket({ fd })`), and the ack tells the client to
 * send. `onRead` gets the length of every read.
 */
export async function adoptTcpData(inbox: HandoffInbox, timeoutMs: number, onRead: (bytes: number) => void): Promise<Socket> {
  const io = socketHandoff;
  // The server announces the one port for TCP only where the native library is built (bench-server.ts).
  if (!io)
    throw new DataPathError('cannot take a data connection from the control port: the native library is not built - run npm run build');
  const m = await inbox.next('ADOPT', timeoutMs, () => `no data connection with this test's cookie arrived within ${timeoutMs / 1000}s`);
  const fd = io.tcpAdopt(m.local_address, m.local_port, m.remote_address, m.remote_port);
  if (fd < 0)
    throw new DataPathError(`cannot take over the data connection from ${m.remote_address} port ${m.remote_port}: ${errnoName(fd)}`);
  try {
    inbox.taken();
    await inbox.next('RELEASED', timeoutMs, () => `the main thread did not let go of the data connection within ${timeoutMs / 1000}s`);
  } catch (err) {
    io.closeSocket(fd);
    throw err;
  }
  const socket = new net.Socket({ fd: io.disownSocket(fd), readable: true, writable: true });
  // A fresh Buffer per read, as on an accepted socket: `onread` is documented for connect only.
  socket.on('data', (chunk: Buffer) => onRead(chunk.length));
  socket.setNoDelay(true);
  socket.write(DATA_ACK_BYTES);
  return socket;
}

/**
 * Connects to a data port and presents the cookie; to the one port, the
 * greeting (magic and cookie), and resolves only at the server's ack, so
 * that no byte is sent before the data worker holds the connection.
 * `onRead`, when given, receives every read into one reused buffer instead
 * of a fresh one per read; the one port needs it, to read the ack.
 */
export function connectTcpData(
  host: string,
  port: number,
  cookie: Buffer,
  timeoutMs: number,
  onRead?: { buffer: Buffer; callback: (bytes: number) => void },
  onePort = false,
  localAddress?: string,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let acked = !onePort;
    const options: net.NetConnectOpts = { host, port, noDelay: true, ...(localAddress !== undefined ? { localAddress } : {}) };
    const ack = (first: number): number => {
      acked = true;
      if (first !== DATA_ACK)
        fail(
          new DataPathError(
            `${host} port ${port} answered the data connection's greeting with byte ${first}, not the ack - is it a bench server of this version?`,
          ),
        );
      else done();
      return 1;
    };
    if (onRead) {
      (options as net.TcpSocketConnectOpts).onread = {
        buffer: onRead.buffer,
        callback: (n: number) => {
          // The ack is the first byte; the server sends nothing else before START, but count whatever came with it.
          const used = acked ? 0 : ack(onRead.buffer[0]);
          if (n > used) onRead.callback(n - used);
          return true;
        },
      };
    }
    const socket = net.connect(options);
    const timer = setTimeout(
      () =>
        fail(
          new PeerTimeoutError(
            socket.connecting
              ? `data connection to ${host} port ${port} not established within ${timeoutMs / 1000}s - is a firewall dropping it?`
              : `${host} port ${port} did not accept the data connection within ${timeoutMs / 1000}s - is it a bench server of this version?`,
          ),
        ),
      timeoutMs,
    );
    const onError = (err: Error): void =>
      fail(new DataPathError(`cannot open the data connection to ${host} port ${port}: ${err.message} - is a firewall in the way?`, err));
    const onClose = (): void =>
      fail(
        new DataPathError(
          `${host} port ${port} closed the data connection before accepting it - did the test end there, or is the cookie wrong?`,
        ),
      );
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once('connect', () => {
      socket.write(onePort ? dataGreeting(cookie) : cookie);
      if (acked) done();
    });
    function done(): void {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('close', onClose);
      resolve(socket);
    }
    function fail(err: Error): void {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    }
  });
}

/** A sender's end of the stream after its last write: resolves with `stoppedAt` once the FIN is queued (at once when the socket is gone). */
export function endTcpStream(socket: Socket, stoppedAt: number): Promise<number> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(stoppedAt);
    socket.end(() => resolve(stoppedAt));
  });
}

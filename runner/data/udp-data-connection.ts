import dgram, { type Socket } from 'node:dgram';
import net from 'node:net';
import { DataPathError, PeerTimeoutError } from '../core/errors.js';
import type { HandoffInbox } from './one-port.js';
import type { DataWorkerConfig } from './worker-messages.js';
import { HANDSHAKE_ACK, HANDSHAKE_HELLO, readHandshake, writeHandshake } from './udp-datagram.js';

/**
 * UDP data sockets. The client sends a hello carrying the test's cookie until
 * the server acknowledges it; the server then connects its socket to that
 * sender, so the kernel drops datagrams from anyone else: a stray sender
 * cannot enter a measurement.
 */
const HELLO_RETRY_MS = 100;
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

function familyOf(host: string): 'udp4' | 'udp6' {
  return net.isIPv6(host) || host === '::' ? 'udp6' : 'udp4';
}

/**
 * The server's UDP data socket, on a fresh port, or on `sharedPort` (the one
 * port) shared with the streams already connected there: the kernel gives a
 * connected socket the datagrams of its own 4-tuple, and the one socket not
 * yet connected the rest. Node 20's dgram has no SO_REUSEPORT, so the port is
 * shared through SO_REUSEADDR, which on Linux lets UDP sockets share a port.
 */
export function bindForUdpData(
  host: string,
  cookie: Buffer,
  timeoutMs: number,
  onBound: (port: number) => void,
  sharedPort = 0,
  bufferBytes = SOCKET_BUFFER_BYTES,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({
      type: familyOf(host),
      recvBufferSize: bufferBytes,
      sendBufferSize: bufferBytes,
      reuseAddr: sharedPort !== 0,
    });
    const timer = setTimeout(() => {
      socket.close();
      reject(
        new PeerTimeoutError(`no UDP hello with this test's cookie arrived within ${timeoutMs / 1000}s - is a firewall dropping UDP?`),
      );
    }, timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new DataPathError(`cannot open a UDP data port on ${host}: ${err.message}`, err));
    });
    const onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
      if (readHandshake(msg, cookie) !== HANDSHAKE_HELLO) return;
      socket.off('message', onMessage);
      socket.connect(rinfo.port, rinfo.address, () => {
        clearTimeout(timer);
        socket.send(writeHandshake(HANDSHAKE_ACK, cookie));
        resolve(socket);
      });
    };
    socket.on('message', onMessage);
    socket.bind({ address: host, port: sharedPort }, () => onBound(socket.address().port));
  });
}

export function connectUdpData(
  host: string,
  port: number,
  cookie: Buffer,
  timeoutMs: number,
  localAddress?: string,
  bufferBytes = SOCKET_BUFFER_BYTES,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: familyOf(host), recvBufferSize: bufferBytes, sendBufferSize: bufferBytes });
    const hello = writeHandshake(HANDSHAKE_HELLO, cookie);
    let retry: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      clearInterval(retry);
      socket.close();
      reject(new PeerTimeoutError(`no UDP answer from ${host} port ${port} within ${timeoutMs / 1000}s - is a firewall dropping UDP?`));
    }, timeoutMs);
    const onError = (err: NodeJS.ErrnoException): void => {
      // Port unreachable: on the one port the server binds each stream's socket after the previous one's hello; the next hello finds it.
      if (err.code === 'ECONNREFUSED') return;
      clearTimeout(timer);
      clearInterval(retry);
      reject(new DataPathError(`UDP data socket to ${host} port ${port} failed: ${err.message}`, err));
    };
    socket.on('error', onError);
    const onMessage = (msg: Buffer): void => {
      if (readHandshake(msg, cookie) !== HANDSHAKE_ACK) return;
      socket.off('message', onMessage);
      socket.off('error', onError);
      clearTimeout(timer);
      clearInterval(retry);
      resolve(socket);
    };
    socket.on('message', onMessage);
    const connect = (): void =>
      socket.connect(port, host, () => {
        const send = (): void => socket.send(hello);
        send();
        retry = setInterval(send, HELLO_RETRY_MS);
      });
    // bind: the local address to send from, before connect would pick one.
    if (localAddress !== undefined) socket.bind({ address: localAddress, port: 0 }, connect);
    else connect();
  });
}

/** This side's UDP data socket, handshaken, with an error listener that fails the stream. */
export async function openUdpDataSocket(
  config: DataWorkerConfig,
  cookie: Buffer,
  handoff: HandoffInbox,
  onBound: (port: number) => void,
  onFailure: (err: Error) => void,
  localAddress?: string,
): Promise<Socket> {
  const { side, host, port, timeout_ms: timeoutMs } = config;
  const bufferBytes = config.params.window_bytes > 0 ? config.params.window_bytes : SOCKET_BUFFER_BYTES;
  if (side === 'server' && config.one_port) await awaitTurn(handoff, timeoutMs);
  const socket =
    side === 'server'
      ? await bindForUdpData(host, cookie, timeoutMs, onBound, config.one_port ? port : 0, bufferBytes)
      : await connectUdpData(host, port, cookie, timeoutMs, localAddress, bufferBytes);
  socket.on('error', (err) => onFailure(new DataPathError(`UDP data socket failed: ${err.message} - did the peer stop?`, err)));
  return socket;
}

/** A server answers hellos retransmitted after its ack was lost. */
export function answerLateHello(socket: Socket, msg: Buffer, cookie: Buffer): void {
  if (readHandshake(msg, cookie) === HANDSHAKE_HELLO) socket.send(writeHandshake(HANDSHAKE_ACK, cookie));
}

/**
 * One port, server: waits for this stream's turn to bind the shared port.
 * One socket at a time is unconnected there, so each hello has one socket to
 * go to: two would split one client's hellos by the kernel's hash, and both
 * might connect to it.
 */
export function awaitTurn(handoff: HandoffInbox, timeoutMs: number): Promise<unknown> {
  return handoff.next(
    'OPEN',
    timeoutMs,
    () => `the UDP streams before this one got no hello within ${timeoutMs / 1000}s - is a firewall dropping UDP?`,
  );
}

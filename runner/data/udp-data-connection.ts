import dgram, { type Socket } from 'node:dgram';
import net from 'node:net';
import { DataPathError, PeerTimeoutError } from '../core/errors.js';
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

export function bindForUdpData(
  host: string,
  cookie: Buffer,
  timeoutMs: number,
  onBound: (port: number) => void,
  bufferBytes = SOCKET_BUFFER_BYTES,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: familyOf(host), recvBufferSize: bufferBytes, sendBufferSize: bufferBytes });
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
    socket.bind({ address: host, port: 0 }, () => onBound(socket.address().port));
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
    socket.once('error', (err) => {
      clearTimeout(timer);
      clearInterval(retry);
      reject(new DataPathError(`UDP data socket to ${host} port ${port} failed: ${err.message}`, err));
    });
    const onMessage = (msg: Buffer): void => {
      if (readHandshake(msg, cookie) !== HANDSHAKE_ACK) return;
      socket.off('message', onMessage);
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
  onBound: (port: number) => void,
  onFailure: (err: Error) => void,
  localAddress?: string,
): Promise<Socket> {
  const { side, host, port, timeout_ms: timeoutMs } = config;
  const bufferBytes = config.params.window_bytes > 0 ? config.params.window_bytes : SOCKET_BUFFER_BYTES;
  const socket =
    side === 'server'
      ? await bindForUdpData(host, cookie, timeoutMs, onBound, bufferBytes)
      : await connectUdpData(host, port, cookie, timeoutMs, localAddress, bufferBytes);
  socket.on('error', (err) => onFailure(new DataPathError(`UDP data socket failed: ${err.message} - did the peer stop?`, err)));
  return socket;
}

/** A server answers hellos retransmitted after its ack was lost. */
export function answerLateHello(socket: Socket, msg: Buffer, cookie: Buffer): void {
  if (readHandshake(msg, cookie) === HANDSHAKE_HELLO) socket.send(writeHandshake(HANDSHAKE_ACK, cookie));
}

import type { Socket as UdpSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { DataPathError } from '../core/errors.js';
import { isUdpTest } from '../core/test-params.js';
import type { NativeIo } from '../native/native-io.js';
import type { DataClock, DataRole } from './data-role.js';
import { connectTcpData, listenForTcpData } from './tcp-data-connection.js';
import { openUdpDataSocket } from './udp-data-connection.js';
import type { DataWorkerConfig } from './worker-messages.js';

/**
 * Opens this side's data socket as the JavaScript path does (cookie, UDP
 * hello/ack), then hands it to the native role whose C loop owns its reads
 * and writes. Each role keeps its own progress timeout: Node's socket timeout
 * sees no activity once Node no longer reads or writes. The role's module is
 * loaded while the socket opens, so that no datagram arrives before the role
 * is there to take it.
 */
export async function openNativeRole(
  io: NativeIo,
  config: DataWorkerConfig,
  cookie: Buffer,
  clock: DataClock,
  onBound: (port: number) => void,
  onFailure: (err: Error) => void,
): Promise<DataRole> {
  if (isUdpTest(config.params.test)) {
    const build = loadUdpRole(io, config, cookie, clock, onFailure);
    const socket = await openUdpDataSocket(config, cookie, onBound, onFailure);
    return (await build)(socket);
  }
  const build = loadTcpRole(io, config, clock, onFailure);
  const { socket, alreadyRead } = await openTcpDataSocket(config, cookie, onBound, onFailure);
  return (await build)(socket, alreadyRead);
}

/** Who sends: the client in a STREAM test, the server with --reverse; in RR the client asks. */
function roleOf(config: DataWorkerConfig): 'rr-client' | 'rr-responder' | 'sender' | 'receiver' {
  const { params, side } = config;
  if (params.test === 'TCP_RR' || params.test === 'UDP_RR') return side === 'client' ? 'rr-client' : 'rr-responder';
  return (side === 'client') !== params.reverse ? 'sender' : 'receiver';
}

async function loadUdpRole(io: NativeIo, config: DataWorkerConfig, cookie: Buffer, clock: DataClock, onFailure: (err: Error) => void): Promise<(socket: UdpSocket) => DataRole> {
  const { params, timeout_ms: timeoutMs, drain_ms: drainMs } = config;
  const { request_size_bytes: requestSize, response_size_bytes: responseSize } = params;
  switch (roleOf(config)) {
    case 'rr-client': {
      const { NativeUdpRrClient } = await import('./native-udp-rr-client.js');
      return (socket) => new NativeUdpRrClient(io, socket, requestSize, responseSize, timeoutMs, onFailure);
    }
    case 'rr-responder': {
      const { NativeUdpRrResponder } = await import('./native-udp-rr-responder.js');
      return (socket) => new NativeUdpRrResponder(io, socket, cookie, requestSize, responseSize, drainMs, onFailure);
    }
    case 'sender': {
      const { NativeUdpStreamSender } = await import('./native-udp-stream-sender.js');
      return (socket) => new NativeUdpStreamSender(io, socket, params.size_bytes, params.rate_bps, onFailure);
    }
    case 'receiver': {
      const { NativeUdpStreamReceiver } = await import('./native-udp-stream-receiver.js');
      return (socket) => new NativeUdpStreamReceiver(io, socket, params.size_bytes, clock, cookie, drainMs, onFailure);
    }
  }
}

async function loadTcpRole(io: NativeIo, config: DataWorkerConfig, clock: DataClock, onFailure: (err: Error) => void): Promise<(socket: Socket, alreadyRead: number) => DataRole> {
  const { params, timeout_ms: timeoutMs } = config;
  const { request_size_bytes: requestSize, response_size_bytes: responseSize } = params;
  switch (roleOf(config)) {
    case 'rr-client': {
      const { NativeTcpRrClient } = await import('./native-tcp-rr-client.js');
      return (socket) => new NativeTcpRrClient(io, socket, requestSize, responseSize, timeoutMs, onFailure);
    }
    case 'rr-responder': {
      const { NativeTcpRrResponder } = await import('./native-tcp-rr-responder.js');
      return (socket, alreadyRead) => new NativeTcpRrResponder(io, socket, alreadyRead, requestSize, responseSize, timeoutMs, onFailure);
    }
    case 'sender': {
      const { NativeTcpStreamSender } = await import('./native-tcp-stream-sender.js');
      return (socket) => new NativeTcpStreamSender(io, socket, params.size_bytes, timeoutMs, onFailure);
    }
    case 'receiver': {
      const { NativeTcpStreamReceiver } = await import('./native-tcp-stream-receiver.js');
      return (socket, alreadyRead) => new NativeTcpStreamReceiver(io, socket, alreadyRead, clock, timeoutMs, onFailure);
    }
  }
}

/** The TCP data connection, without Node's socket timeout; `alreadyRead`: bytes that followed the cookie. */
async function openTcpDataSocket(
  config: DataWorkerConfig,
  cookie: Buffer,
  onBound: (port: number) => void,
  onFailure: (err: Error) => void,
): Promise<{ socket: Socket; alreadyRead: number }> {
  const { side, host, port, timeout_ms: timeoutMs } = config;
  let socket: Socket;
  let alreadyRead = 0;
  if (side === 'server') {
    const accepted = await listenForTcpData(host, cookie, timeoutMs, onBound);
    socket = accepted.socket;
    socket.setTimeout(0);
    alreadyRead = accepted.leftover.length;
  } else {
    socket = await connectTcpData(host, port, cookie, timeoutMs);
  }
  socket.on('error', (err) => onFailure(new DataPathError(`data connection failed: ${err.message} - did the peer stop?`, err)));
  if (process.env.BENCH_NODELAY === '0' && config.params.test === 'TCP_STREAM') socket.setNoDelay(false);
  return { socket, alreadyRead };
}

import type { Socket } from 'node:net';
import { DataPathError } from '../core/errors.js';
import type { NativeIo } from '../native/native-io.js';
import type { DataClock, DataRole } from './data-role.js';
import { connectTcpData, listenForTcpData } from './tcp-data-connection.js';
import { bindForUdpData, connectUdpData } from './udp-data-connection.js';
import type { DataWorkerConfig } from './worker-messages.js';

/**
 * TCP_RR and UDP_RR on the native data path: the data socket is opened as on
 * the JavaScript path, then its C loop owns the reads and writes. Each TCP
 * role keeps its own progress timeout (Node's socket timeout sees no
 * activity once Node no longer reads or writes). RR does not use the clock:
 * it starts at START.
 */
export async function openNativeRr(
  io: NativeIo,
  config: DataWorkerConfig,
  cookie: Buffer,
  _clock: DataClock,
  onBound: (port: number) => void,
  onFailure: (err: Error) => void,
): Promise<DataRole> {
  const { params, side, host, port, timeout_ms: timeoutMs } = config;
  const { request_size_bytes: requestSize, response_size_bytes: responseSize } = params;

  if (params.test === 'UDP_RR') {
    const socket = side === 'server' ? await bindForUdpData(host, cookie, timeoutMs, onBound) : await connectUdpData(host, port, cookie, timeoutMs);
    socket.on('error', (err) => onFailure(new DataPathError(`UDP data socket failed: ${err.message} - did the peer stop?`, err)));
    if (side === 'client') {
      const { NativeUdpRrClient } = await import('./native-udp-rr-client.js');
      return new NativeUdpRrClient(io, socket, requestSize, responseSize, timeoutMs, onFailure);
    }
    const { NativeUdpRrResponder } = await import('./native-udp-rr-responder.js');
    return new NativeUdpRrResponder(io, socket, cookie, requestSize, responseSize, config.drain_ms, onFailure);
  }

  let socket: Socket;
  let alreadyRead = 0;
  if (side === 'server') {
    const accepted = await listenForTcpData(host, cookie, timeoutMs, onBound);
    socket = accepted.socket;
    socket.setTimeout(0);
    // Bytes after the cookie are the first request's, already read.
    alreadyRead = accepted.leftover.length;
  } else {
    socket = await connectTcpData(host, port, cookie, timeoutMs);
  }
  socket.on('error', (err) => onFailure(new DataPathError(`data connection failed: ${err.message} - did the peer stop?`, err)));

  if (side === 'client') {
    const { NativeTcpRrClient } = await import('./native-tcp-rr-client.js');
    return new NativeTcpRrClient(io, socket, requestSize, responseSize, timeoutMs, onFailure);
  }
  const { NativeTcpRrResponder } = await import('./native-tcp-rr-responder.js');
  return new NativeTcpRrResponder(io, socket, alreadyRead, requestSize, responseSize, timeoutMs, onFailure);
}

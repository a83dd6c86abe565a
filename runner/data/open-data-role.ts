import type { Socket } from 'node:net';
import { DataPathError } from '../core/errors.js';
import { isUdpTest } from '../core/test-params.js';
import type { DataClock, DataRole } from './data-role.js';
import { connectTcpData, listenForTcpData } from './tcp-data-connection.js';
import { reuseReadBuffer } from './reuse-read-buffer.js';
import { TcpRrClient } from './tcp-rr-client.js';
import { TcpRrResponder } from './tcp-rr-responder.js';
import { TcpStreamReceiver } from './tcp-stream-receiver.js';
import { TcpStreamSender } from './tcp-stream-sender.js';
import { bindForUdpData, connectUdpData } from './udp-data-connection.js';
import { UdpRrClient } from './udp-rr-client.js';
import { UdpRrResponder } from './udp-rr-responder.js';
import { UdpStreamReceiver } from './udp-stream-receiver.js';
import { UdpStreamSender } from './udp-stream-sender.js';
import type { DataWorkerConfig } from './worker-messages.js';

/** Reads from the kernel land in this one buffer on the client side. */
const READ_BUFFER_BYTES = 256 * 1024;

/**
 * Opens this side's data socket and builds its role. Who sends: the client in
 * a STREAM test, the server with --reverse; in RR the client asks and the
 * server answers.
 */
export async function openDataRole(
  config: DataWorkerConfig,
  cookie: Buffer,
  clock: DataClock,
  onBound: (port: number) => void,
  onFailure: (err: Error) => void,
): Promise<DataRole> {
  const { params, side, host, port, timeout_ms: timeoutMs } = config;
  const isRr = params.test === 'TCP_RR' || params.test === 'UDP_RR';
  const sends = !isRr && (side === 'client') !== params.reverse;

  if (isUdpTest(params.test)) {
    const socket = side === 'server' ? await bindForUdpData(host, cookie, timeoutMs, onBound) : await connectUdpData(host, port, cookie, timeoutMs);
    socket.on('error', (err) => onFailure(new DataPathError(`UDP data socket failed: ${err.message} - did the peer stop?`, err)));
    if (isRr) {
      return side === 'client'
        ? new UdpRrClient(socket, params.request_size_bytes, params.response_size_bytes, timeoutMs)
        : new UdpRrResponder(socket, cookie, params.request_size_bytes, params.response_size_bytes, config.drain_ms);
    }
    return sends ? new UdpStreamSender(socket, params.size_bytes, params.rate_bps) : new UdpStreamReceiver(socket, clock, cookie, config.drain_ms);
  }

  if (side === 'server') {
    const { socket: accepted, leftover } = await listenForTcpData(host, cookie, timeoutMs, onBound);
    // Reads on the server side land in one reused buffer too, dispatched to the role built below.
    let sink: (n: number) => void = () => {};
    const socket = reuseReadBuffer(accepted, Buffer.allocUnsafe(READ_BUFFER_BYTES), (n) => sink(n));
    watchTcpSocket(socket, timeoutMs, onFailure);
    if (isRr) {
      const responder = new TcpRrResponder(socket, params.request_size_bytes, params.response_size_bytes, timeoutMs);
      sink = responder.onBytes;
      if (leftover.length > 0) responder.onBytes(leftover.length);
      return responder;
    }
    if (sends) return new TcpStreamSender(socket, params.size_bytes);
    const receiver = new TcpStreamReceiver(socket, clock, timeoutMs);
    sink = receiver.onBytes;
    if (leftover.length > 0) receiver.onBytes(leftover.length);
    return receiver;
  }

  // Client side: reads go to one reused buffer, dispatched to whichever role is built.
  let sink: (n: number) => void = () => {};
  const socket = await connectTcpData(host, port, cookie, timeoutMs, { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: (n) => sink(n) });
  watchTcpSocket(socket, timeoutMs, onFailure);
  if (isRr) {
    const client = new TcpRrClient(socket, params.request_size_bytes, params.response_size_bytes, timeoutMs);
    sink = client.onBytes;
    return client;
  }
  if (sends) return new TcpStreamSender(socket, params.size_bytes);
  const receiver = new TcpStreamReceiver(socket, clock, timeoutMs);
  sink = receiver.onBytes;
  return receiver;
}

/** Every data socket has a timeout: silence past it, or a reset, fails the stream with a reason. */
function watchTcpSocket(socket: Socket, timeoutMs: number, onFailure: (err: Error) => void): void {
  socket.setTimeout(timeoutMs, () => {
    onFailure(new DataPathError(`data connection silent for ${timeoutMs / 1000}s - the peer stopped or the path is down`));
    socket.destroy();
  });
  socket.on('error', (err) => onFailure(new DataPathError(`data connection failed: ${err.message} - did the peer stop?`, err)));
}

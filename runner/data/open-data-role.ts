import type { Socket } from 'node:net';
import { DataPathError } from '../core/errors.js';
import { DEFAULT_STREAM_SIZE } from '../core/defaults.js';
import { clientSends, isRrTest, isUdpTest, rrulProbeCount } from '../core/test-params.js';
import type { DataClock, DataRole } from './data-role.js';
import type { HandoffInbox } from './one-port.js';
import { adoptTcpData, connectTcpData, listenForTcpData } from './tcp-data-connection.js';
import { openUdpDataSocket } from './udp-data-connection.js';
import type { DataWorkerConfig, DataWorkerSetup } from './worker-messages.js';
import { nativeIo } from '../native/native-io.js';
import { jsPathRefusal } from './socket-options.js';

/** Reads from the kernel land in this one buffer, on both sides. */
const READ_BUFFER_BYTES = 256 * 1024;

/**
 * Loads what this stream's role needs before its endpoint is known: an RR or
 * probe client's latency histograms (the WebAssembly build) and, on the
 * native path, the native roles' module. The data worker runs it once, at its
 * start, and opens the role (openDataRole) only after it has settled.
 */
export async function prepareDataRole(setup: DataWorkerSetup): Promise<void> {
  const lane = setup.lane ?? 'stream';
  const loads: Promise<unknown>[] = [];
  if ((isRrTest(setup.params.test) || lane === 'probe') && setup.side === 'client') {
    loads.push(import('../measure/latency-histogram.js').then((m) => m.useFastHistograms()));
  }
  if (nativeIo) loads.push(import('./open-native-role.js'));
  await Promise.all(loads);
}

/**
 * Opens this side's data socket and builds its role. Who sends: the client in
 * a STREAM test, the server with --reverse, each on its own connections with bidir; in RR the client asks and the
 * server answers. Where the native data path is built, its C loops take the
 * socket (open-native-role.ts); otherwise the roles below move bytes through
 * Node's sockets. Each role's module is loaded only when it is used: a worker
 * starts in about half the time when it does not load the latency histogram
 * it will never fill.
 */
export async function openDataRole(
  config: DataWorkerConfig,
  cookie: Buffer,
  clock: DataClock,
  handoff: HandoffInbox,
  onBound: (port: number) => void,
  onFailure: (err: Error) => void,
): Promise<DataRole> {
  const { params, side, host, port, timeout_ms: timeoutMs } = config;
  const lane = config.lane ?? 'stream';
  const isRr = isRrTest(params.test);
  // RRUL's streams: the client sends up, the server down.
  const sends =
    lane === 'up'
      ? side === 'client'
      : lane === 'down'
        ? side === 'server'
        : !isRr && (side === 'client') === clientSends(params, config.stream);
  const writeSize = lane === 'stream' ? params.size_bytes : DEFAULT_STREAM_SIZE.TCP_STREAM;

  if (nativeIo) return (await import('./open-native-role.js')).openNativeRole(nativeIo, config, cookie, clock, handoff, onBound, onFailure);
  const refusal = jsPathRefusal(params);
  if (refusal !== null) throw new DataPathError(refusal);
  // bind is where the client sends from; the server's data sockets stay on its own address.
  const localAddress = side === 'client' && params.bind_address !== '' ? params.bind_address : undefined;

  // TCP_CRR: a connection per transaction, on the server's own listener (tcp-crr.ts).
  if (params.test === 'TCP_CRR') {
    const { request_size_bytes: requestSize, response_size_bytes: responseSize } = params;
    if (side === 'server') {
      const { listenForTcpCrr } = await import('./tcp-crr-responder.js');
      return listenForTcpCrr(host, cookie, requestSize, responseSize, timeoutMs, onBound);
    }
    const { TcpCrrClient } = await import('./tcp-crr-client.js');
    const client = new TcpCrrClient(host, port, cookie, requestSize, responseSize, timeoutMs, onFailure);
    await client.probe();
    return client;
  }

  if (lane === 'probe') {
    const socket = await openUdpDataSocket(config, cookie, handoff, onBound, onFailure, localAddress);
    if (side === 'client') {
      const { ProbeClient } = await import('./probe-client.js');
      return new ProbeClient(socket, params.probe_interval_s * 1000, rrulProbeCount(params), timeoutMs);
    }
    const { ProbeEcho } = await import('./probe-echo.js');
    return new ProbeEcho(socket, cookie, config.drain_ms);
  }
  if (lane === 'stream' && isUdpTest(params.test)) {
    const socket = await openUdpDataSocket(config, cookie, handoff, onBound, onFailure, localAddress);
    if (isRr && side === 'client') {
      const { UdpRrClient } = await import('./udp-rr-client.js');
      return new UdpRrClient(socket, params.request_size_bytes, params.response_size_bytes, timeoutMs);
    }
    if (isRr) {
      const { UdpRrResponder } = await import('./udp-rr-responder.js');
      return new UdpRrResponder(socket, cookie, params.request_size_bytes, params.response_size_bytes, config.drain_ms);
    }
    if (sends) {
      const { UdpStreamSender } = await import('./udp-stream-sender.js');
      return new UdpStreamSender(socket, params.size_bytes, params.rate_bps);
    }
    const { UdpStreamReceiver } = await import('./udp-stream-receiver.js');
    return new UdpStreamReceiver(socket, clock, cookie, config.drain_ms);
  }

  // TCP: reads are dispatched to whichever role is built below.
  let sink: (n: number) => void = () => {};
  let socket: Socket;
  let leftover = 0;
  if (side === 'server' && config.one_port) {
    socket = await adoptTcpData(handoff, timeoutMs, (n) => sink(n));
  } else if (side === 'server') {
    const accepted = await listenForTcpData(host, cookie, timeoutMs, onBound);
    // A fresh Buffer per read: Node gives an accepted socket no `onread` option (moving its handle onto a
    // socket that has one needed a private Node field), so only the client's reads reuse one buffer.
    socket = accepted.socket;
    socket.on('data', (chunk: Buffer) => sink(chunk.length));
    leftover = accepted.leftover.length;
  } else {
    socket = await connectTcpData(
      host,
      port,
      cookie,
      timeoutMs,
      { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: (n) => sink(n) },
      config.one_port,
      localAddress,
    );
  }
  watchTcpSocket(socket, timeoutMs, onFailure);

  if (isRr && side === 'client') {
    const { TcpRrClient } = await import('./tcp-rr-client.js');
    const client = new TcpRrClient(socket, params.request_size_bytes, params.response_size_bytes, timeoutMs);
    sink = client.onBytes;
    return client;
  }
  if (isRr) {
    const { TcpRrResponder } = await import('./tcp-rr-responder.js');
    const responder = new TcpRrResponder(socket, params.request_size_bytes, params.response_size_bytes, timeoutMs);
    sink = responder.onBytes;
    if (leftover > 0) responder.onBytes(leftover);
    return responder;
  }
  if (sends) {
    const { TcpStreamSender } = await import('./tcp-stream-sender.js');
    return new TcpStreamSender(socket, writeSize);
  }
  const { TcpStreamReceiver } = await import('./tcp-stream-receiver.js');
  const receiver = new TcpStreamReceiver(socket, clock, timeoutMs);
  sink = receiver.onBytes;
  if (leftover > 0) receiver.onBytes(leftover);
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

import { DEFAULT_STREAM_SIZE } from '../core/defaults.js';
import { clientSends, isRrTest, isUdpTest, rrulProbeCount } from '../core/test-params.js';
import type { NativeIo } from '../native/native-io.js';
import type { DataClock, DataRole } from './data-role.js';
import {
  type NativeSocket,
  adoptNativeTcp,
  bindNativeUdp,
  connectNativeTcp,
  connectNativeUdp,
  listenNativeTcp,
  listenNativeTcpOnly,
  numericAddress,
} from './native-socket.js';
import type { HandoffInbox } from './one-port.js';
import { awaitTurn } from './udp-data-connection.js';
import type { DataWorkerConfig } from './worker-messages.js';
import { NativeTcpInfo } from './native-tcp-info.js';
import { applySocketOptions, optionFailure } from './socket-options.js';

/**
 * Opens this side's data socket in C, with the JavaScript path's handshakes
 * (cookie, UDP hello/ack: native-socket.ts), and hands it to the native role
 * whose C loop owns its reads and writes. Each role keeps its own progress
 * timeout. The role's module is loaded while the socket opens, so that no
 * datagram waits for the role to be there.
 */
export async function openNativeRole(
  io: NativeIo,
  config: DataWorkerConfig,
  cookie: Buffer,
  clock: DataClock,
  handoff: HandoffInbox,
  onBound: (port: number) => void,
  onFailure: (err: Error) => void,
): Promise<DataRole> {
  if (config.params.test === 'TCP_CRR') return openNativeCrr(io, config, cookie, onBound, onFailure);
  const build = loadRole(io, config, cookie, clock, onFailure);
  applySocketOptions(io, config);
  const socket = await openSocket(io, config, cookie, handoff, onBound).catch((err: unknown) => {
    throw optionFailure(io, config.params, err);
  });
  try {
    const role = (await build)(socket);
    // RRUL's probe lane is UDP: only its TCP streams have TCP_INFO.
    if (!isUdpLane(config)) role.tcpInfo = new NativeTcpInfo(io, socket);
    return role;
  } catch (err) {
    socket.close();
    throw err;
  }
}

async function openSocket(
  io: NativeIo,
  config: DataWorkerConfig,
  cookie: Buffer,
  handoff: HandoffInbox,
  onBound: (port: number) => void,
): Promise<NativeSocket> {
  const { side, host, port, timeout_ms: timeoutMs, one_port: onePort = false } = config;
  if (isUdpLane(config)) {
    if (side !== 'server') return connectNativeUdp(io, host, port, cookie, timeoutMs);
    if (onePort) await awaitTurn(handoff, timeoutMs);
    return bindNativeUdp(io, host, cookie, timeoutMs, onBound, onePort ? port : 0);
  }
  if (side !== 'server') return connectNativeTcp(io, host, port, cookie, timeoutMs, onePort);
  return onePort ? adoptNativeTcp(io, handoff, timeoutMs) : listenNativeTcp(io, host, cookie, timeoutMs, onBound);
}

function isUdpLane(config: DataWorkerConfig): boolean {
  const lane = config.lane ?? 'stream';
  return lane === 'probe' || (lane === 'stream' && isUdpTest(config.params.test));
}

/** Who sends: the client in a STREAM test, the server with --reverse; in RR the client asks; in RRUL the client sends up, the server down. */
function roleOf(config: DataWorkerConfig): 'rr-client' | 'rr-responder' | 'sender' | 'receiver' {
  const { params, side } = config;
  if (config.lane === 'up') return side === 'client' ? 'sender' : 'receiver';
  if (config.lane === 'down') return side === 'server' ? 'sender' : 'receiver';
  if (config.lane === 'probe' || isRrTest(params.test)) return side === 'client' ? 'rr-client' : 'rr-responder';
  return (side === 'client') === clientSends(params, config.stream) ? 'sender' : 'receiver';
}

async function loadRole(
  io: NativeIo,
  config: DataWorkerConfig,
  cookie: Buffer,
  clock: DataClock,
  onFailure: (err: Error) => void,
): Promise<(socket: NativeSocket) => DataRole> {
  const { params, timeout_ms: timeoutMs, drain_ms: drainMs } = config;
  const { request_size_bytes: requestSize, response_size_bytes: responseSize } = params;
  const role = roleOf(config);
  // RRUL's streams write TCP_STREAM's default size.
  const writeSize = config.lane === 'up' || config.lane === 'down' ? DEFAULT_STREAM_SIZE.TCP_STREAM : params.size_bytes;
  if (config.lane === 'probe') {
    if (role === 'rr-client') {
      const { NativeProbeClient } = await import('./native-probe.js');
      const total = rrulProbeCount(params);
      return (socket) => new NativeProbeClient(io, socket, params.probe_interval_s * 1000, total, timeoutMs, onFailure);
    }
    const { NativeProbeEcho } = await import('./native-probe.js');
    return (socket) => new NativeProbeEcho(io, socket, cookie, drainMs, onFailure);
  }
  if (isUdpLane(config)) {
    switch (role) {
      case 'rr-client': {
        const { NativeUdpRrClient } = await import('./native-udp-rr.js');
        return (socket) => new NativeUdpRrClient(io, socket, requestSize, responseSize, timeoutMs, onFailure);
      }
      case 'rr-responder': {
        const { NativeUdpRrResponder } = await import('./native-udp-rr.js');
        return (socket) => new NativeUdpRrResponder(io, socket, cookie, requestSize, responseSize, drainMs, onFailure);
      }
      case 'sender': {
        const { NativeUdpStreamSender } = await import('./native-udp-stream.js');
        return (socket) => new NativeUdpStreamSender(io, socket, params.size_bytes, params.rate_bps, onFailure);
      }
      case 'receiver': {
        const { NativeUdpStreamReceiver } = await import('./native-udp-stream.js');
        return (socket) => new NativeUdpStreamReceiver(io, socket, params.size_bytes, clock, cookie, drainMs, onFailure);
      }
    }
  }
  switch (role) {
    case 'rr-client': {
      const { NativeTcpRrClient } = await import('./native-tcp-rr.js');
      return (socket) => new NativeTcpRrClient(io, socket, requestSize, responseSize, timeoutMs, onFailure);
    }
    case 'rr-responder': {
      const { NativeTcpRrResponder } = await import('./native-tcp-rr.js');
      return (socket) => new NativeTcpRrResponder(io, socket, requestSize, responseSize, timeoutMs, onFailure);
    }
    case 'sender': {
      const { NativeTcpStreamSender } = await import('./native-tcp-stream.js');
      return (socket) => new NativeTcpStreamSender(io, socket, writeSize, timeoutMs, onFailure);
    }
    case 'receiver': {
      const { NativeTcpStreamReceiver } = await import('./native-tcp-stream.js');
      return (socket) => new NativeTcpStreamReceiver(io, socket, clock, timeoutMs, onFailure);
    }
  }
}

/**
 * TCP_CRR: the server's role runs its C loop on its own listener; the
 * client's opens a connection per transaction in C, after one probe
 * transaction that shows the port answers with this test's cookie.
 */
async function openNativeCrr(
  io: NativeIo,
  config: DataWorkerConfig,
  cookie: Buffer,
  onBound: (port: number) => void,
  onFailure: (err: Error) => void,
): Promise<DataRole> {
  const { params, host, port, timeout_ms: timeoutMs } = config;
  const { request_size_bytes: requestSize, response_size_bytes: responseSize } = params;
  const address = await numericAddress(host, `cannot open a TCP data port on ${host}`);
  if (config.side === 'server') {
    const [{ NativeTcpCrrResponder }, listener] = await Promise.all([
      import('./native-tcp-crr-responder.js'),
      listenNativeTcpOnly(io, address, onBound),
    ]);
    return new NativeTcpCrrResponder(io, listener, cookie, requestSize, responseSize, timeoutMs, onFailure);
  }
  const { NativeTcpCrrClient } = await import('./native-tcp-crr-client.js');
  const client = new NativeTcpCrrClient(io, address, port, cookie, requestSize, responseSize, timeoutMs, onFailure);
  await client.probe();
  return client;
}

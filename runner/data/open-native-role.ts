import { isUdpTest } from '../core/test-params.js';
import type { NativeIo } from '../native/native-io.js';
import type { DataClock, DataRole } from './data-role.js';
import { type NativeSocket, bindNativeUdp, connectNativeTcp, connectNativeUdp, listenNativeTcp } from './native-socket.js';
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
  onBound: (port: number) => void,
  onFailure: (err: Error) => void,
): Promise<DataRole> {
  const build = loadRole(io, config, cookie, clock, onFailure);
  applySocketOptions(io, config);
  const socket = await openSocket(io, config, cookie, onBound).catch((err: unknown) => {
    throw optionFailure(io, config.params, err);
  });
  try {
    const role = (await build)(socket);
    if (!isUdpTest(config.params.test)) role.tcpInfo = new NativeTcpInfo(io, socket);
    return role;
  } catch (err) {
    socket.close();
    throw err;
  }
}

function openSocket(io: NativeIo, config: DataWorkerConfig, cookie: Buffer, onBound: (port: number) => void): Promise<NativeSocket> {
  const { side, host, port, timeout_ms: timeoutMs } = config;
  if (isUdpTest(config.params.test)) {
    return side === 'server' ? bindNativeUdp(io, host, cookie, timeoutMs, onBound) : connectNativeUdp(io, host, port, cookie, timeoutMs);
  }
  return side === 'server' ? listenNativeTcp(io, host, cookie, timeoutMs, onBound) : connectNativeTcp(io, host, port, cookie, timeoutMs);
}

/** Who sends: the client in a STREAM test, the server with --reverse; in RR the client asks. */
function roleOf(config: DataWorkerConfig): 'rr-client' | 'rr-responder' | 'sender' | 'receiver' {
  const { params, side } = config;
  if (params.test === 'TCP_RR' || params.test === 'UDP_RR') return side === 'client' ? 'rr-client' : 'rr-responder';
  return (side === 'client') !== params.reverse ? 'sender' : 'receiver';
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
  if (isUdpTest(params.test)) {
    switch (role) {
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
  switch (role) {
    case 'rr-client': {
      const { NativeTcpRrClient } = await import('./native-tcp-rr-client.js');
      return (socket) => new NativeTcpRrClient(io, socket, requestSize, responseSize, timeoutMs, onFailure);
    }
    case 'rr-responder': {
      const { NativeTcpRrResponder } = await import('./native-tcp-rr-responder.js');
      return (socket) => new NativeTcpRrResponder(io, socket, requestSize, responseSize, timeoutMs, onFailure);
    }
    case 'sender': {
      const { NativeTcpStreamSender } = await import('./native-tcp-stream-sender.js');
      return (socket) => new NativeTcpStreamSender(io, socket, params.size_bytes, timeoutMs, onFailure);
    }
    case 'receiver': {
      const { NativeTcpStreamReceiver } = await import('./native-tcp-stream-receiver.js');
      return (socket) => new NativeTcpStreamReceiver(io, socket, clock, timeoutMs, onFailure);
    }
  }
}

import { DataPathError } from '../core/errors.js';
import type { NativeIo } from '../native/native-io.js';
import type { DataClock, DataRole } from './data-role.js';
import { bindForUdpData, connectUdpData } from './udp-data-connection.js';
import type { DataWorkerConfig } from './worker-messages.js';

/**
 * UDP_STREAM on the native data path: the socket is opened and handshaken
 * exactly as on the JavaScript path, then the C loops take over its sends
 * (sender) or its receives (receiver). The role's module is loaded before the
 * socket opens, so that no datagram arrives while it loads.
 */
export async function openNativeUdpStream(
  io: NativeIo,
  config: DataWorkerConfig,
  cookie: Buffer,
  clock: DataClock,
  onBound: (port: number) => void,
  onFailure: (err: Error) => void,
): Promise<DataRole> {
  const { params, side, host, port, timeout_ms: timeoutMs } = config;
  const sends = (side === 'client') !== params.reverse;
  const roleModule = sends ? import('./native-udp-stream-sender.js') : import('./native-udp-stream-receiver.js');
  const socket = side === 'server' ? await bindForUdpData(host, cookie, timeoutMs, onBound) : await connectUdpData(host, port, cookie, timeoutMs);
  socket.on('error', (err) => onFailure(new DataPathError(`UDP data socket failed: ${err.message} - did the peer stop?`, err)));
  const loaded = await roleModule;
  if ('NativeUdpStreamSender' in loaded) return new loaded.NativeUdpStreamSender(io, socket, params.size_bytes, params.rate_bps, onFailure);
  return new loaded.NativeUdpStreamReceiver(io, socket, params.size_bytes, clock, cookie, config.drain_ms, onFailure);
}

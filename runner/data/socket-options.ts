import { DataPathError } from '../core/errors.js';
import { dscpText } from '../core/params.js';
import { isUdpTest, type TestParams } from '../core/test-params.js';
import type { NativeIo } from '../native/native-io.js';
import type { DataWorkerConfig } from './worker-messages.js';

/**
 * The run's socket options on a data socket: bind (a client's local
 * address), dscp, congestion, mss and window. The native data path applies
 * them in C to each socket it opens, before it connects or listens; the
 * JavaScript path can bind, and size a UDP socket's buffers, and refuses the
 * rest by name, since Node's sockets do not set them.
 */
export function applySocketOptions(io: NativeIo, config: DataWorkerConfig): void {
  const { params, side } = config;
  // bind is where the client sends from; the server's data sockets stay on its own address.
  io.setSocketOptions(params.dscp, params.mss_bytes, params.window_bytes, params.congestion, side === 'client' ? params.bind_address : '');
}

/** The option a failed native open was setting, in the user's words with its value; null when none was. */
export function failedOptionText(io: NativeIo, params: TestParams): string | null {
  switch (io.failedSocketOption()) {
    case 'dscp':
      return `dscp ${dscpText(params.dscp)}`;
    case 'window':
      return `window ${params.window_bytes}`;
    case 'mss':
      return `mss ${params.mss_bytes}`;
    case 'congestion':
      return `congestion '${params.congestion}'`;
    case 'bind':
      return `bind ${params.bind_address}`;
    default:
      return null;
  }
}

/** Wraps a failed native open in a sentence naming the option the kernel refused. */
export function optionFailure(io: NativeIo, params: TestParams, err: unknown): unknown {
  const option = failedOptionText(io, params);
  if (option === null || !(err instanceof Error)) return err;
  const errno = /\bE[A-Z]{2,}\b/.exec(err.message)?.[0] ?? 'an error';
  const hint = option.startsWith('bind')
    ? "is the address one of this host's, and of the same family (IPv4 or IPv6) as the peer?"
    : option.startsWith('congestion')
      ? 'is its module loaded, and is it in net.ipv4.tcp_allowed_congestion_control?'
      : 'is the value one the kernel accepts?';
  return new DataPathError(`the data socket refused ${option} (${errno}) - ${hint}`, err);
}

/**
 * On the JavaScript data path: a sentence refusing the options Node's
 * sockets cannot apply, naming the native data path; null when every
 * option given can be applied.
 */
export function jsPathRefusal(params: TestParams): string | null {
  const udp = isUdpTest(params.test);
  const refused: string[] = [];
  if (params.dscp > 0) refused.push(`dscp ${dscpText(params.dscp)}`);
  if (params.congestion !== '') refused.push(`congestion '${params.congestion}'`);
  if (params.mss_bytes > 0) refused.push(`mss ${params.mss_bytes}`);
  // A UDP socket's buffer sizes are dgram options; a TCP socket's are not.
  if (params.window_bytes > 0 && !udp) refused.push(`window ${params.window_bytes}`);
  if (refused.length === 0) return null;
  return `${refused.join(', ')} cannot be applied on the JavaScript data path (Node's sockets do not set IP_TOS, TCP_CONGESTION, TCP_MAXSEG or a TCP socket's buffer sizes): use the native data path (data_path native, built by npm run build)`;
}

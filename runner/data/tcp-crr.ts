import { readFileSync } from 'node:fs';
import { DataPathError } from '../core/errors.js';
import { formatHostPort } from '../core/host-port.js';
import { COOKIE_BYTES } from './udp-datagram.js';

/**
 * TCP_CRR, netperf's connect/request/response: one new TCP connection per
 * transaction, on both data paths (tcp-crr-client.ts and
 * tcp-crr-responder.ts on Node's sockets, native-tcp-crr-*.ts on the C loops
 * of runner/native/src/tcp-crr.c), which speak the same bytes:
 *
 *   client connects, sends the test's cookie and the request in one write;
 *   the server checks the cookie, writes the response and closes first;
 *   the client reads the response and the server's end, then closes.
 *
 * The server closes first so that TIME_WAIT lands on it, where it holds no
 * port of its own: a TIME_WAIT socket on the listening port takes a new SYN
 * from the same client port (its sequence and timestamps are newer). The
 * client closes second and its port is free at once; were it first, each
 * connection would keep a local port for 60 s and a long run would exhaust
 * net.ipv4.ip_local_port_range.
 *
 * The cookie in every connection keeps a stranger who finds the data port
 * from being answered or counted; it rides in the request's segment.
 */
export const CRR_COOKIE_BYTES = COOKIE_BYTES;

/** How long a client waits after a connection could not be made before the next attempt. */
export const CRR_RETRY_PAUSE_MS = 10;

/** What the client writes on each connection: the cookie, then the request. */
export function crrRequest(cookie: Buffer, requestSize: number): Buffer {
  const message = Buffer.alloc(CRR_COOKIE_BYTES + requestSize, 0x71);
  cookie.copy(message, 0, 0, CRR_COOKIE_BYTES);
  return message;
}

/** The ephemeral port range as the kernel reports it, or null where it cannot be read. */
function localPortRange(): [number, number] | null {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && Number.isInteger(high) ? [low, high] : null;
  } catch {
    return null;
  }
}

/**
 * connect() said EADDRNOTAVAIL: no local port is left for a new connection
 * to the server. Said as such, with the fix, rather than counted as a failed
 * connection: it does not pass, and every connection after it would fail too.
 */
export function portExhaustionError(host: string, port: number, connections: number): DataPathError {
  const range = localPortRange();
  const count = range ? range[1] - range[0] + 1 : 0;
  const ports = range ? ` (${range[0]}-${range[1]}, ${count} port${count === 1 ? '' : 's'})` : '';
  return new DataPathError(
    `TCP_CRR ran out of local ports after ${connections} connections to ${formatHostPort(host, port)}: connect EADDRNOTAVAIL - ` +
      `every port of net.ipv4.ip_local_port_range${ports} is held, most likely by connections in TIME_WAIT; ` +
      `widen the range (sysctl -w net.ipv4.ip_local_port_range="1024 65535"), let new connections reuse TIME_WAIT ports ` +
      `(sysctl -w net.ipv4.tcp_tw_reuse=1), or run fewer streams or a shorter duration`,
  );
}

/** No connection could be made for the whole timeout: the server is gone, not slow. */
export function allConnectsFailedError(host: string, port: number, timeoutMs: number, failures: number, last: string): DataPathError {
  return new DataPathError(
    `no TCP_CRR connection to ${formatHostPort(host, port)} could be made for ${timeoutMs / 1000}s (${failures} attempts, the last: ${last}) - did the peer stop, or is a firewall in the way?`,
  );
}

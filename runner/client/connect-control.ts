import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { ControlConnection } from '../control/control-connection.js';
import { MAX_SERVER_MESSAGE_BYTES, parseServerMessage, type ClientMessage, type ServerMessage } from '../control/messages.js';
import type { ClientAuth } from '../auth/token-auth.js';
import { DEFAULT_PORT } from '../core/defaults.js';
import { BenchError, PeerTimeoutError, PeerUnreachableError, UsageError, asBenchError, errorFromWire } from '../core/errors.js';
import { formatHostPort } from '../core/host-port.js';
import type { PeerAddress } from '../core/run-events.js';

export type ClientControl = ControlConnection<ServerMessage, ClientMessage>;

/** After this long without an answer, the user hears what bench waits for instead of a silent terminal. */
const SILENT_PEER_NOTICE_MS = 2000;

function noticeOnStderr(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

/**
 * Opens the control connection, with a deadline and an error a person can act on.
 * `notice` hears, once, when the peer is slow to accept or to answer the handshake.
 */
export function connectControl(
  peer: PeerAddress,
  timeoutMs: number,
  notice: (line: string) => void = noticeOnStderr,
): Promise<ClientControl> {
  const name = `peer ${formatPeer(peer)}`;
  const address = formatPeer({ host: peer.host, port: peer.port });
  const giveUp = `giving up after ${Number((timeoutMs / 1000).toFixed(3))}s`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: peer.host, port: peer.port });
    let noticeTimer = setTimeout(
      () => notice(`waiting for ${address} to accept the connection (${giveUp})...`),
      SILENT_PEER_NOTICE_MS,
    ).unref();
    const timer = setTimeout(() => {
      clearTimeout(noticeTimer);
      socket.destroy();
      reject(new PeerTimeoutError(`cannot reach ${name}: no answer within ${timeoutMs / 1000}s - is the host up and the port open?`));
    }, timeoutMs);
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      clearTimeout(noticeTimer);
      reject(new PeerUnreachableError(`cannot reach ${name}: ${describeConnectError(err)}`, err));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      clearTimeout(noticeTimer);
      socket.removeAllListeners('error');
      // Anything with a listening port accepts: only a reply shows a bench server is there.
      noticeTimer = setTimeout(
        () => notice(`waiting for ${address} to answer the bench handshake (${giveUp})...`),
        SILENT_PEER_NOTICE_MS,
      ).unref();
      const heard = (): void => clearTimeout(noticeTimer);
      socket.once('data', heard);
      socket.once('close', heard);
      resolve(new ControlConnection(socket, name, parseServerMessage, MAX_SERVER_MESSAGE_BYTES));
    });
  });
}

/** How long a failing client listens for the server's own ERROR already on its way. */
const PEER_VERDICT_GRACE_MS = 250;

/**
 * The error to report for a test that failed on this side. When the server
 * gave up first and said why (its ERROR is in the socket, or in the inbox,
 * unread because this process was stopped or busy), its words are the
 * cause, not our timeout that followed: a client stopped for a minute must
 * not blame the server. Waits at most a moment, and not at all once the
 * connection has closed.
 */
export async function peerVerdict(conn: ClientControl, err: unknown): Promise<BenchError> {
  const local = asBenchError(err);
  if (local.code === 'E_INTERRUPTED' || local.code === 'E_USAGE') return local;
  const ends = performance.now() + PEER_VERDICT_GRACE_MS;
  for (;;) {
    const left = ends - performance.now();
    if (left <= 0) break;
    let m: ServerMessage;
    try {
      m = await conn.next(left, 'reading what the server said before failing');
    } catch {
      break;
    }
    if (m.type === 'ERROR') {
      const e = errorFromWire(m);
      // Worded as every server ERROR is, whichever of the two this side noticed first.
      const own = `${conn.peerName}: ${e.message}`;
      return local.message === own ? local : new BenchError(e.code, own, { cause: local });
    }
  }
  // Errors from the frame decoder and the message parser do not say whom they are about.
  if ((local.code === 'E_FRAME_TOO_LARGE' || local.code === 'E_PROTOCOL') && !local.message.includes(conn.peerName)) {
    return new BenchError(local.code, `${conn.peerName}: ${local.message}`, { cause: local });
  }
  return local;
}

function describeConnectError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return "connection refused - is 'bench serve' running there?";
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found - check the spelling or use an IP address';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the host - check the address and the network';
    case 'ETIMEDOUT':
      return 'connection timed out - is a firewall dropping it?';
    default:
      return err.message;
  }
}

/** Reads `HOST`, `HOST:PORT`, `[V6]:PORT` or a bare IPv6 address. */
export function parsePeer(input: string): PeerAddress {
  const text = input.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1], port: parsePort(bracketed[2], input) };
  if ((text.match(/:/g) ?? []).length > 1) return { host: text, port: DEFAULT_PORT };
  const [host, port] = text.split(':');
  if (!host) throw new UsageError(`invalid peer '${input}': write HOST, HOST:PORT or [IPv6]:PORT`);
  return { host, port: parsePort(port, input) };
}

function parsePort(port: string | undefined, input: string): number {
  if (port === undefined) return DEFAULT_PORT;
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65535) throw new UsageError(`invalid port in peer '${input}': use 1 to 65535`);
  return n;
}

export function formatPeer(peer: { host: string; port: number; name?: string }): string {
  const address = formatHostPort(peer.host, peer.port);
  // A DNS group member that did not answer is named by its address: "10.0.0.5 (10.0.0.5:7575)" says nothing more.
  return peer.name && peer.name !== peer.host ? `${peer.name} (${address})` : address;
}

/** Each warning once per process: a scenario of a hundred runs against one peer says it once, not a hundred times. */
const warned = new Set<string>();

function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.stderr.write(`bench: warning: ${message}\n`);
}

/** The client's proof of a shared token, when the peer names a token file. */
export async function loadClientAuth(peer: PeerAddress, warn: (message: string) => void = warnOnce): Promise<ClientAuth | null> {
  if (!peer.token_file) return null;
  const { createClientTokenAuth } = await import('../auth/token-auth.js');
  return createClientTokenAuth(peer.token_file, warn);
}

import { benchVersion } from '../core/package-paths.js';
import { PROTOCOL_VERSION, type ServerMessage } from '../control/messages.js';
import {
  AuthError,
  BenchError,
  PeerClosedError,
  ProtocolError,
  RefusedError,
  VersionMismatchError,
  asBenchError,
  errorFromWire,
} from '../core/errors.js';
import type { PeerAddress } from '../core/run-events.js';
import { printable } from '../core/terminal-text.js';
import { connectControl, formatPeer, loadClientAuth, type ClientControl } from './connect-control.js';

/**
 * The name a bench server goes by (bench serve --name, default its host
 * name), as its WELCOME says: connect, HELLO, read WELCOME, close. Nothing
 * is tested. Throws when the server cannot be reached, does not answer
 * within `timeoutMs`, or is not a bench server.
 */
export async function probePeer(peer: PeerAddress, timeoutMs: number): Promise<string> {
  let conn: ClientControl | null = null;
  try {
    conn = await connectControl(peer, timeoutMs, () => {});
    conn.send({ type: 'HELLO', protocol: PROTOCOL_VERSION, bench_version: benchVersion });
    const welcome = await conn.next(timeoutMs, 'waiting for the server to answer HELLO');
    if (welcome.type !== 'WELCOME') throw new ProtocolError(`expected WELCOME from ${conn.peerName}, got ${welcome.type}`);
    await sayBye(conn, timeoutMs);
    // A name becomes part of labels and file contents: no control characters, and not endless.
    return printable(welcome.hostname).slice(0, 253);
  } finally {
    conn?.destroy();
  }
}

/**
 * Ends a probe's control connection the way the server expects of a client
 * that wants no test: BYE, then waits (at most `timeoutMs`) for the server to
 * close. Hanging up without it reads, in the server's log, as a failed client.
 * Waiting for the server's close rather than closing at once keeps this end
 * from answering a message still on its way (an AUTH_CHALLENGE) with a reset:
 * the connection ends with a FIN from each side.
 */
async function sayBye(conn: ClientControl, timeoutMs: number): Promise<void> {
  conn.send({ type: 'BYE' });
  conn.socket.end();
  if (conn.socket.closed) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    conn.socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** What a peer that passed the check said of itself. */
export interface PeerCheck {
  /** The name it reports (bench serve --name, default its host name). */
  name: string;
  bench_version: string;
  /** It asked for the token, and took ours. */
  authenticated: boolean;
}

export interface CheckPeerOptions {
  /** For each step: connecting, the answer to HELLO, the verdict on the token. */
  timeoutMs: number;
  /** The peer plays the client side of runs (from:): it must take tests for others (bench serve --allow-remote). */
  runsForOthers?: boolean;
  /** Hears, once, when the peer is slow to accept or to answer (connectControl's notice). */
  notice?: (line: string) => void;
}

/**
 * Everything a run will need of a peer, short of running a test: it can be
 * reached, speaks our protocol version, takes our token when it asks for one,
 * and, when it is to run tests for others, allows that. Throws the error a
 * run would have met, naming the peer; nothing is measured.
 */
export async function checkPeer(peer: PeerAddress, options: CheckPeerOptions): Promise<PeerCheck> {
  const { timeoutMs } = options;
  // Before connecting: a token file that cannot be read is this machine's problem, not the peer's.
  const auth = await loadClientAuth(peer).catch((err: unknown) => {
    throw namingPeer(asBenchError(err), `peer ${formatPeer(peer)}`);
  });
  let conn: ClientControl | null = null;
  try {
    conn = await connectControl(peer, timeoutMs, options.notice);
    conn.send({ type: 'HELLO', protocol: PROTOCOL_VERSION, bench_version: benchVersion });
    const welcome = await conn.next(timeoutMs, 'waiting for the server to answer HELLO');
    if (welcome.type === 'ERROR') throw fromServer(conn, welcome);
    if (welcome.type !== 'WELCOME') throw new ProtocolError(`expected WELCOME from ${conn.peerName}, got ${welcome.type}`);
    // The server refuses a client of another protocol; a server of another protocol is caught here.
    if (welcome.protocol !== PROTOCOL_VERSION) {
      throw new VersionMismatchError(
        `${conn.peerName} runs bench ${printable(welcome.bench_version)}, protocol ${welcome.protocol}; this is bench ${benchVersion}, protocol ${PROTOCOL_VERSION} - install the same bench version on both hosts`,
      );
    }
    if (options.runsForOthers && !welcome.remote) {
      throw new RefusedError(`${conn.peerName} does not run tests for others: start it with bench serve --allow-remote --token-file FILE`);
    }
    const found = { name: printable(welcome.hostname).slice(0, 253), bench_version: printable(welcome.bench_version).slice(0, 64) };
    if (!welcome.auth_required) {
      auth?.notRequired(conn);
      await sayBye(conn, timeoutMs);
      return { ...found, authenticated: false };
    }
    if (!auth) throw new AuthError(`${conn.peerName} requires a token: pass --token-file (token_file on a scenario peer)`);
    await auth.answer(conn, timeoutMs);
    await tokenVerdict(conn, timeoutMs);
    return { ...found, authenticated: true };
  } catch (err) {
    throw namingPeer(asBenchError(err), conn?.peerName ?? `peer ${formatPeer(peer)}`);
  } finally {
    conn?.destroy();
  }
}

/**
 * Whether the server took our answer to its challenge. A server that
 * refuses it says so at once (an ERROR, E_AUTH); one that takes it says
 * nothing and waits for the test request. The check says BYE after its
 * answer: the server reads the two in order, so either the refusal comes
 * first or the server closes quietly on the BYE (nothing logged, no timer
 * deciding).
 */
async function tokenVerdict(conn: ClientControl, timeoutMs: number): Promise<void> {
  conn.send({ type: 'BYE' });
  let answer: ServerMessage;
  try {
    answer = await conn.next(timeoutMs, 'waiting for the verdict on the token');
  } catch (err) {
    if (err instanceof PeerClosedError) return;
    throw err;
  }
  if (answer.type === 'ERROR' && answer.code === 'E_AUTH') throw new AuthError(`${conn.peerName}: ${answer.message}`);
  throw new ProtocolError(
    `${conn.peerName} answered BYE with ${answer.type}, where a bench server closes - is it a bench server of this version?`,
  );
}

function fromServer(conn: ClientControl, m: Extract<ServerMessage, { type: 'ERROR' }>): BenchError {
  const e = errorFromWire(m);
  return new BenchError(e.code, `${conn.peerName}: ${e.message}`);
}

/** Every error names the peer it is about: in a list of several, a bare "connection refused" says nothing. */
function namingPeer(err: BenchError, peerName: string): BenchError {
  if (err.message.includes(peerName)) return err;
  return new BenchError(err.code, `${peerName}: ${err.message}`, { cause: err });
}

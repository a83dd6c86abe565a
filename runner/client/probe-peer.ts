import { benchVersion } from '../core/bench-version.js';
import { PROTOCOL_VERSION } from '../control/messages.js';
import { ProtocolError } from '../core/errors.js';
import type { PeerAddress } from '../core/run-events.js';
import { printable } from '../core/terminal-text.js';
import { connectControl, type ClientControl } from './connect-control.js';

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
export async function sayBye(conn: ClientControl, timeoutMs: number): Promise<void> {
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

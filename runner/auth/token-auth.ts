import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { open } from 'node:fs/promises';
import { AuthError, BenchError, ProtocolError } from '../core/errors.js';
import type { ControlConnection } from '../control/control-connection.js';
import type { ClientMessage, ServerMessage } from '../control/messages.js';

type ClientControl = ControlConnection<ServerMessage, ClientMessage>;
type ServerControl = ControlConnection<ClientMessage, ServerMessage>;

/** Answers the server's challenge with proof of the shared secret (bench test --token-file). */
export interface ClientAuth {
  answer(conn: ClientControl, timeoutMs: number): Promise<void>;
  /** The server did not ask for the token: the user, who gave one, believes the test is authenticated. */
  notRequired(conn: ClientControl): void;
}

/** Checks a client's proof that it holds the shared secret (bench serve --token-file). */
export interface ServerAuth {
  verify(conn: ServerControl, timeoutMs: number): Promise<void>;
}

/**
 * Shared-token authentication on the control channel: the server sends a
 * fresh random nonce, the client answers HMAC-SHA256(token, nonce). The token
 * itself never crosses the wire, and a recorded answer is useless for the
 * next nonce.
 */
const NONCE_BYTES = 32;
const DOMAIN = 'bench-auth-v1:';

/** A token is one line of text: anything longer is the wrong file (or /dev/zero), and is not read whole. */
const MAX_TOKEN_FILE_BYTES = 4096;

const CREATE_HINT = (path: string): string => `(umask 077; openssl rand -hex 32 > ${path})`;

/**
 * Reads the shared secret, at most MAX_TOKEN_FILE_BYTES of it. `warn` hears
 * about a file other users can read: the token still works, but is no secret.
 */
async function readTokenFile(path: string, warn: (message: string) => void): Promise<Buffer> {
  const cannotRead = (err: unknown): BenchError =>
    new BenchError(
      'E_USAGE',
      `cannot read token file '${path}': ${(err as NodeJS.ErrnoException).code ?? 'error'} - create it with a random secret, e.g. ${CREATE_HINT(path)}`,
    );
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw cannotRead(err);
  }
  let bytes: Buffer;
  let looseMode: number | null;
  try {
    // Not only regular files: a pipe (--token-file <(pass show bench)) is a fine way to hand over a secret.
    const stat = await handle.stat();
    // One byte more than allowed tells a file over the limit from one exactly at it.
    const buffer = Buffer.alloc(MAX_TOKEN_FILE_BYTES + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null).catch((err: unknown) => {
        throw cannotRead(err);
      });
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled === buffer.length) {
        throw new BenchError(
          'E_USAGE',
          `token file '${path}' holds more than ${MAX_TOKEN_FILE_BYTES} bytes; a token is one line of 16 or more characters - is this the right file?`,
        );
      }
    }
    bytes = buffer.subarray(0, filled);
    looseMode = stat.isFile() && (stat.mode & 0o077) !== 0 ? stat.mode & 0o777 : null;
  } finally {
    await handle.close();
  }
  const token = bytes.toString('utf8').trim();
  if (token.length < 16) {
    throw new BenchError('E_USAGE', `token file '${path}' holds ${token.length} characters; use at least 16 (e.g. ${CREATE_HINT(path)})`);
  }
  if (looseMode !== null) {
    warn(
      `token file '${path}' can be read by other users (mode ${looseMode.toString(8).padStart(4, '0')}): anyone who reads it can run tests - chmod 600 ${path}`,
    );
  }
  return Buffer.from(token, 'utf8');
}

function mac(token: Buffer, nonce: string): Buffer {
  return createHmac('sha256', token)
    .update(DOMAIN + nonce)
    .digest();
}

export async function createServerTokenAuth(path: string, warn: (message: string) => void): Promise<ServerAuth> {
  const token = await readTokenFile(path, warn);
  return {
    async verify(conn: ServerControl, timeoutMs: number) {
      const nonce = randomBytes(NONCE_BYTES).toString('hex');
      conn.send({ type: 'AUTH_CHALLENGE', nonce });
      const answer = await conn.next(timeoutMs, 'waiting for the answer to the token challenge');
      if (answer.type !== 'AUTH_RESPONSE') {
        throw new AuthError('this server requires a token: pass --token-file on the client (token_file on a scenario peer)');
      }
      const expected = mac(token, nonce);
      const given = Buffer.from(answer.mac, 'hex');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new AuthError(
          "authentication failed: the client's token does not match this server's token file - give both the same secret",
        );
      }
    },
  };
}

export async function createClientTokenAuth(path: string, warn: (message: string) => void): Promise<ClientAuth> {
  const token = await readTokenFile(path, warn);
  return {
    notRequired(conn: ClientControl) {
      warn(
        `${conn.peerName} did not ask for a token (it runs without --token-file): this test ran unauthenticated, and anyone who can reach that server can run tests on it`,
      );
    },
    async answer(conn: ClientControl, timeoutMs: number) {
      const challenge = await conn.next(timeoutMs, 'waiting for the token challenge');
      if (challenge.type === 'ERROR') throw new AuthError(`${conn.peerName}: ${challenge.message}`);
      if (challenge.type !== 'AUTH_CHALLENGE') throw new ProtocolError(`expected AUTH_CHALLENGE, got ${challenge.type}`);
      conn.send({ type: 'AUTH_RESPONSE', mac: mac(token, challenge.nonce).toString('hex') });
    },
  };
}

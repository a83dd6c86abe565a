import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ClientAuth } from '../client/client-auth.js';
import type { ClientControl } from '../client/connect-control.js';
import { AuthError, BenchError, ProtocolError } from '../core/errors.js';
import type { ServerAuth } from '../server/server-auth.js';
import type { ServerControl } from '../server/server-test-run.js';

/**
 * Shared-token authentication on the control channel: the server sends a
 * fresh random nonce, the client answers HMAC-SHA256(token, nonce). The token
 * itself never crosses the wire, and a recorded answer is useless for the
 * next nonce.
 */
const NONCE_BYTES = 32;
const DOMAIN = 'bench-auth-v1:';

export async function readTokenFile(path: string): Promise<Buffer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new BenchError('E_USAGE', `cannot read token file '${path}': ${code} - create it with a random secret, e.g. openssl rand -hex 32 > ${path}`);
  }
  const token = text.trim();
  if (token.length < 16) {
    throw new BenchError('E_USAGE', `token file '${path}' holds ${token.length} characters; use at least 16 (e.g. openssl rand -hex 32 > ${path})`);
  }
  return Buffer.from(token, 'utf8');
}

function mac(token: Buffer, nonce: string): Buffer {
  return createHmac('sha256', token).update(DOMAIN + nonce).digest();
}

export async function createServerTokenAuth(path: string): Promise<ServerAuth> {
  const token = await readTokenFile(path);
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
        throw new AuthError("authentication failed: the client's token does not match this server's token file - give both the same secret");
      }
    },
  };
}

export async function createClientTokenAuth(path: string): Promise<ClientAuth> {
  const token = await readTokenFile(path);
  return {
    async answer(conn: ClientControl, timeoutMs: number) {
      const challenge = await conn.next(timeoutMs, 'waiting for the token challenge');
      if (challenge.type === 'ERROR') throw new AuthError(`${conn.peerName}: ${challenge.message}`);
      if (challenge.type !== 'AUTH_CHALLENGE') throw new ProtocolError(`expected AUTH_CHALLENGE, got ${challenge.type}`);
      conn.send({ type: 'AUTH_RESPONSE', mac: mac(token, challenge.nonce).toString('hex') });
    },
  };
}

import type { PeerAddress } from '../core/run-events.js';
import type { ClientAuth } from './client-auth.js';

/** The client's proof of a shared token, when the peer names a token file. */
export async function loadClientAuth(peer: PeerAddress): Promise<ClientAuth | null> {
  if (!peer.token_file) return null;
  const { createClientTokenAuth } = await import('../auth/token-auth.js');
  return createClientTokenAuth(peer.token_file);
}

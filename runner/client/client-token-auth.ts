import type { PeerAddress } from '../core/run-events.js';
import type { ClientAuth } from '../auth/token-auth.js';

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

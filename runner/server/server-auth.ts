import type { ServerControl } from './server-test-run.js';

/** Checks a client's proof that it holds the shared secret (bench serve --token-file). */
export interface ServerAuth {
  verify(conn: ServerControl, timeoutMs: number): Promise<void>;
}

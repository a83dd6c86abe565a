import type { ClientControl } from './connect-control.js';

/** Answers the server's challenge with proof of the shared secret (bench test --token-file). */
export interface ClientAuth {
  answer(conn: ClientControl, timeoutMs: number): Promise<void>;
  /** The server did not ask for the token: the user, who gave one, believes the test is authenticated. */
  notRequired(conn: ClientControl): void;
}

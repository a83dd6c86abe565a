import type { RemoteTarget } from '../control/messages.js';
import type { RunEvent } from '../core/run-events.js';
import type { RunObject } from '../core/run-object.js';
import type { TestParams } from '../core/test-params.js';
import type { ServerControl } from './server-test-run.js';

/**
 * The client side of a test, run by this server for an orchestrator (bench
 * serve --allow-remote). The server is handed the function that runs a test
 * as a client (the same one `bench test` uses), so this room does not reach
 * into the client's: `bench serve` composes the two.
 *
 * What a remote request can make a server do, and no more: run one test, as
 * the client, within this server's own limits, towards a bench server that
 * first completes the control handshake (and its token challenge, with this
 * server's own token) and hands out a cookie and data ports. Data goes only to
 * the ports that server announced, on the address this server reached it at.
 * An address with no bench server gets one refused control connection.
 */
export interface RemoteRunRequest {
  params: TestParams;
  to: RemoteTarget;
  signal: AbortSignal;
  onEvent: (event: RunEvent) => void;
}

export type RemoteClientRunner = (request: RemoteRunRequest) => Promise<RunObject>;

/**
 * Runs the remote test once this server's turn has come, streaming the
 * intervals and then the run object back. STOP from the orchestrator, or its
 * connection closing, stops the test early; what ran is still reported.
 */
export async function serveRemoteTest(
  conn: ServerControl,
  params: TestParams,
  to: RemoteTarget,
  runner: RemoteClientRunner,
): Promise<RunObject> {
  const stop = new AbortController();
  conn.intercept((m) => {
    if (m.type !== 'STOP') return false;
    stop.abort();
    return true;
  });
  const orchestratorGone = conn.race(new Promise<never>(() => {})).catch(() => stop.abort());
  void orchestratorGone;
  const run = await runner({
    params,
    to,
    signal: stop.signal,
    onEvent: (event) => {
      if (event.type === 'interval') conn.send({ type: 'REMOTE_INTERVAL', index: event.index, record: event.record });
      else if (event.type === 'queued') conn.send({ type: 'QUEUED', position: event.position });
    },
  });
  conn.intercept(null);
  conn.send({ type: 'REMOTE_RESULT', run });
  return run;
}

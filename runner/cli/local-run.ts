import { runTest } from '../client/run-test.js';
import { asBenchError } from '../core/errors.js';
import type { RunTestOptions } from '../core/run-events.js';
import { unmeasuredRun, type RunObject } from '../core/run-object.js';
import { startBenchServer } from '../server/bench-server.js';

/**
 * One run against its peer, or, with no peer named, against a server started
 * in this process on loopback (the embedded server), so `bench test` and a
 * scenario without peers work with no set-up. Composed here, above both the
 * client and the server: neither needs the other. The embedded server's data
 * path still runs in its own worker threads, as a remote server's would.
 * Never throws for a failure: the run object says `failed` and why.
 */
export async function runTestOrEmbedded(options: RunTestOptions): Promise<RunObject> {
  if (options.peer) return runTest({ ...options, peer: options.peer });
  let embedded: Awaited<ReturnType<typeof startBenchServer>>;
  try {
    embedded = await startBenchServer({ host: '127.0.0.1', port: 0, timeout_s: options.params.timeout_s });
  } catch (err) {
    const e = asBenchError(err);
    return {
      ...unmeasuredRun(options.params, undefined, new Date().toISOString()),
      error: { code: e.code, message: `cannot start the embedded server: ${e.message}` },
    };
  }
  try {
    return await runTest({ ...options, peer: { host: '127.0.0.1', port: embedded.address.port, name: 'embedded server', embedded: true } });
  } finally {
    await embedded.close();
  }
}

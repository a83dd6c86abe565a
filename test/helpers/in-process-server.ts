import { runTestOrEmbedded as runTest } from '../../runner/cli/local-run.js';
import { resolveParams, type RawTestOptions } from '../../runner/core/resolve-params.js';
import type { RunObject } from '../../runner/core/run-object.js';
import { startBenchServer, type BenchServer, type BenchServerOptions } from '../../runner/server/bench-server.js';
import type { ServerLog } from '../../runner/server/server-log.js';
import { waitUntil } from './raw-control.js';

export interface LoggedEvent {
  event: string;
  fields: Record<string, unknown>;
}

export interface RecordingLog extends ServerLog {
  readonly events: LoggedEvent[];
  count(event: string, status?: string): number;
}

/** A server log that keeps every event in order, to see what the server did when. */
export function recordingLog(): RecordingLog {
  const events: LoggedEvent[] = [];
  return {
    events,
    info: (event, fields) => events.push({ event, fields }),
    count: (event, status) => events.filter((e) => e.event === event && (status === undefined || e.fields.status === status)).length,
  };
}

export interface TestServer {
  server: BenchServer;
  log: RecordingLog;
  port: number;
  /** The server logs a test's end after freeing its workers, a moment after its client is done. */
  waitForTests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** `bench serve` in this process on a free loopback port, with a recording log. */
export async function startTestServer(options: Partial<BenchServerOptions> = {}): Promise<TestServer> {
  const log = recordingLog();
  const server = await startBenchServer({ host: '127.0.0.1', port: 0, timeout_s: 2, log, ...options });
  return {
    server,
    log,
    port: server.address.port,
    waitForTests: (count, timeoutMs = 10_000) =>
      waitUntil(
        () => log.count('test') >= count,
        timeoutMs,
        `the server logged ${count} finished tests; it logged ${JSON.stringify(log.events)}`,
      ),
    close: () => server.close(),
  };
}

/** A short normal test through the real client, as proof that the server still serves. */
export function normalTest(port: number, test = 'TCP_RR', options: RawTestOptions = {}, host = '127.0.0.1'): Promise<RunObject> {
  return runTest({
    params: resolveParams(test, { duration: '300ms', interval: '300ms', timeout: '5s', ...options }),
    peer: { host, port },
  });
}

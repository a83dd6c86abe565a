import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ControlConnection } from '../control/control-connection.js';
import type { ClientMessage, ServerMessage, StreamReport } from '../control/messages.js';
import { UDP_DRAIN_S } from '../core/defaults.js';
import { ProtocolError } from '../core/errors.js';
import { dataLanes, runSpan, type TestParams } from '../core/test-params.js';
import { DataWorkerHandle } from '../data/data-worker-handle.js';
import { COOKIE_BYTES } from '../data/udp-datagram.js';

export type ServerControl = ControlConnection<ClientMessage, ServerMessage>;

/**
 * The server's side of one test, once the client's turn has come: data
 * workers bound, READY with the cookie and ports, ATTACHED, START, STOP, and
 * RESULT with this side's counters. Any failure of the client ends the test
 * and frees the workers; the caller frees the queue.
 */
export async function runServerTest(
  conn: ServerControl,
  params: TestParams,
  bindHost: string,
  timeout_s: number,
): Promise<{ reports: StreamReport[]; wall_s: number }> {
  const cookie = randomBytes(COOKIE_BYTES).toString('hex');
  const timeoutMs = timeout_s * 1000;
  const workers: DataWorkerHandle[] = [];
  try {
    const lanes = dataLanes(params);
    for (let stream = 0; stream < lanes.length; stream++) {
      workers.push(
        new DataWorkerHandle(
          {
            side: 'server',
            stream,
            params,
            cookie,
            host: bindHost,
            port: 0,
            timeout_ms: timeoutMs,
            drain_ms: UDP_DRAIN_S * 1000,
            lane: lanes[stream],
          },
          (sample) => conn.send({ type: 'INTERVAL', stream, sample }),
        ),
      );
    }
    const ports = await conn.raceSilent(Promise.all(workers.map((w) => w.bound)), 'opening the data ports');
    conn.send({ type: 'READY', cookie, data_ports: ports });
    await conn.raceSilent(Promise.all(workers.map((w) => w.attached)), 'waiting for the data connections');
    conn.send({ type: 'ATTACHED' });

    expect(await conn.next(timeoutMs, 'waiting for START'), 'START');
    const startedAt = performance.now();
    for (const w of workers) w.start();

    // The client is silent while the test runs: its deadline is the test's length plus the timeout.
    // A stream that fails meanwhile (a client that stopped reading, a path gone)
    // ends the test now: the queue must not wait out the whole duration for it.
    const stop = conn.next(runSpan(params) * 1000 + timeoutMs, 'running the test');
    expect(await Promise.race([stop, firstFailure(workers)]), 'STOP');
    for (const w of workers) w.stop();
    const reports = await conn.raceSilent(Promise.all(workers.map((w) => w.result)), 'collecting the results');
    const wall_s = (performance.now() - startedAt) / 1000;
    conn.send({ type: 'RESULT', streams: reports, wall_s });
    return { reports, wall_s };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Rejects with the first stream's failure; never resolves (results come only after STOP). */
function firstFailure(workers: DataWorkerHandle[]): Promise<never> {
  return Promise.race(workers.map((w) => w.result.then(() => new Promise<never>(() => {}))));
}

function expect(message: ClientMessage, type: ClientMessage['type']): void {
  if (message.type !== type) throw new ProtocolError(`expected ${type} from the client, got ${message.type}`);
}

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ControlConnection } from '../control/control-connection.js';
import type { ClientMessage, ServerMessage, StreamReport } from '../control/messages.js';
import { UDP_DRAIN_S } from '../core/defaults.js';
import { ProtocolError } from '../core/errors.js';
import { type TestParams, dataLanes, isUdpTest, runSpan } from '../core/test-params.js';
import { DataWorkerHandle } from '../data/data-worker-handle.js';
import { streamCookie } from '../data/one-port.js';
import { COOKIE_BYTES } from '../data/udp-datagram.js';
import { socketHandoff } from '../native/native-io.js';
import type { DataPortRouter } from './data-port-router.js';

export type ServerControl = ControlConnection<ClientMessage, ServerMessage>;

/** Data on the control port (runner/data/one-port.ts): which port, and the switch that hands its data connections over. */
export interface OnePort {
  port: number;
  router: DataPortRouter;
}

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
  onePort: OnePort | null = null,
): Promise<{ reports: StreamReport[]; wall_s: number }> {
  const cookie = randomBytes(COOKIE_BYTES).toString('hex');
  const timeoutMs = timeout_s * 1000;
  const workers: DataWorkerHandle[] = [];
  const lanes = dataLanes(params);
  // RRUL's probe lane is UDP beside TCP streams; every other test is all one or the other.
  const udpLane = lanes.map((lane) => lane === 'probe' || (lane === 'stream' && isUdpTest(params.test)));
  // A TCP connection moves to its worker through the native library (tcpAdopt); without it, a fresh port per stream.
  // TCP_CRR opens a connection per transaction: those cannot pass through the main thread, so it keeps its own listener.
  const shared = onePort && params.test !== 'TCP_CRR' && (udpLane.every(Boolean) || socketHandoff) ? onePort : null;
  let releaseCookie = (): void => {};
  try {
    for (let stream = 0; stream < lanes.length; stream++) {
      const worker = new DataWorkerHandle({ side: 'server', stream, params, timeout_ms: timeoutMs, lane: lanes[stream] }, (sample) =>
        conn.send({ type: 'INTERVAL', stream, sample }),
      );
      workers.push(worker);
      worker.begin({
        cookie,
        host: bindHost,
        port: shared ? shared.port : 0,
        ...(shared ? { one_port: true } : {}),
        drain_ms: UDP_DRAIN_S * 1000,
      });
    }
    let ports: number[];
    if (!shared) {
      ports = await conn.raceSilent(Promise.all(workers.map((w) => w.bound)), 'opening the data ports');
    } else {
      // UDP: one unconnected socket on the port at a time; the next binds once this one's hello connected it.
      const udpWorkers = workers.filter((w) => udpLane[w.stream]);
      for (const [i, w] of udpWorkers.entries()) {
        w.attached.then(
          () => udpWorkers[i + 1]?.open(),
          () => {},
        );
      }
      udpWorkers[0]?.open();
      // TCP: each connection is claimed by its stream's cookie as it greets the port, and handed to its worker.
      const testCookie = Buffer.from(cookie, 'hex');
      const releases = workers
        .filter((w) => !udpLane[w.stream])
        .map((worker) => {
          const release = shared.router.claim(streamCookie(testCookie, worker.stream).toString('hex'), (socket) => {
            // The stream has its connection: another with its cookie is a stray copy, refused from now on.
            release();
            socket.on('error', () => {});
            // A failed hand-over fails the worker, whose `attached` tells the test why.
            worker.adopt(socket).catch(() => {});
          });
          return release;
        });
      releaseCookie = () => {
        for (const release of releases) release();
      };
      if (udpWorkers[0]) await conn.raceSilent(udpWorkers[0].bound, 'opening the data port');
      ports = workers.map(() => shared.port);
    }
    conn.send({ type: 'READY', cookie, data_ports: ports, ...(shared ? { one_port: true } : {}) });
    await conn.raceSilent(Promise.all(workers.map((w) => w.attached)), 'waiting for the data connections');
    releaseCookie();
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
    releaseCookie();
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

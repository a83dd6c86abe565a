import { performance } from 'node:perf_hooks';
import { benchVersion } from '../core/bench-version.js';
import { PROTOCOL_VERSION, type ServerMessage, type StreamReport } from '../control/messages.js';
import { UDP_DRAIN_S } from '../core/defaults.js';
import { AuthError, BenchError, ProtocolError, PeerTimeoutError, asBenchError, errorFromWire } from '../core/errors.js';
import type { PeerAddress, RunEvent } from '../core/run-events.js';
import type { TestParams } from '../core/test-params.js';
import { DataWorkerHandle } from '../data/data-worker-handle.js';
import type { ClientAuth } from './client-auth.js';
import { connectControl, peerVerdict, type ClientControl } from './connect-control.js';
import { LiveIntervals } from './live-intervals.js';

export interface ClientTestOutcome {
  client: StreamReport[];
  server: StreamReport[];
  client_wall_s: number;
  server_wall_s: number;
  interrupted: boolean;
}

export interface ClientTestOptions {
  peer: PeerAddress;
  /** Address the data connections go to (the control connection's resolved address). */
  params: TestParams;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  wait_s?: number;
  auth?: ClientAuth | null;
}

/**
 * The client's side of one test: HELLO, request, wait in the queue, open the
 * data streams in worker threads, START, let the duration pass (or an abort),
 * STOP, and collect both sides' counters.
 */
export async function runClientTest(options: ClientTestOptions): Promise<ClientTestOutcome> {
  const { params, peer } = options;
  const timeoutMs = params.timeout_s * 1000;
  options.onEvent?.({ type: 'connecting', peer: peer.name ?? peer.host });
  const conn = await connectControl(peer, timeoutMs);
  const workers: DataWorkerHandle[] = [];
  let finished = false;
  try {
    const helloSentAt = performance.now();
    conn.send({ type: 'HELLO', protocol: PROTOCOL_VERSION, bench_version: benchVersion });
    const welcome = await nextOrError(conn, timeoutMs, 'waiting for the server to answer HELLO');
    if (welcome.type !== 'WELCOME') throw unexpected(welcome, 'WELCOME');
    const rttMs = performance.now() - helloSentAt;
    if (welcome.auth_required) {
      if (!options.auth) throw new AuthError(`${conn.peerName} requires a token: pass --token-file (token_file on a scenario peer)`);
      await options.auth.answer(conn, timeoutMs);
    } else {
      options.auth?.notRequired(conn);
    }
    conn.send({ type: 'TEST_REQUEST', params });

    const ready = await waitInQueue(conn, options, timeoutMs);
    const dataHost = conn.socket.remoteAddress ?? peer.host;
    const live = new LiveIntervals(params, (index, record) => options.onEvent?.({ type: 'interval', index, record }));
    // From here the server speaks only INTERVAL samples, and an ERROR if it gives up on the
    // test: that ERROR says why, where the connection closing after it would not.
    let lastHeardAt = performance.now();
    let rejectServerError!: (e: BenchError) => void;
    const serverError = new Promise<never>((_, reject) => (rejectServerError = reject));
    serverError.catch(() => {});
    conn.intercept((m) => {
      lastHeardAt = performance.now();
      if (m.type === 'ERROR') rejectServerError(fromServer(conn, m));
      if (m.type !== 'INTERVAL') return false;
      live.addRemote(m.stream, m.sample);
      return true;
    });
    for (let stream = 0; stream < params.streams; stream++) {
      workers.push(
        new DataWorkerHandle(
          {
            side: 'client', stream, params, cookie: ready.cookie, host: dataHost, port: ready.data_ports[stream], timeout_ms: timeoutMs,
            // A UDP receiver here keeps listening one round trip longer, for what the server sent before it heard STOP.
            drain_ms: UDP_DRAIN_S * 1000 + Math.ceil(rttMs),
          },
          (sample) => live.addLocal(stream, sample),
        ),
      );
    }
    await conn.race(Promise.race([namePeer(conn, Promise.all(workers.map((w) => w.attached))), serverError]));
    const attached = await nextOrError(conn, timeoutMs, 'waiting for the server to accept the data connections');
    if (attached.type !== 'ATTACHED') throw unexpected(attached, 'ATTACHED');

    conn.send({ type: 'START' });
    const startedAt = performance.now();
    for (const w of workers) w.start();
    options.onEvent?.({ type: 'started', at: new Date().toISOString() });

    // A healthy server sends a sample every interval: silence for a timeout beyond that
    // is a frozen server, which the data path alone cannot tell (UDP has no acks to miss).
    lastHeardAt = performance.now();
    const silence = {
      limitMs: timeoutMs + params.interval_s * 1000,
      lastHeardAt: () => lastHeardAt,
      error: () => new PeerTimeoutError(`${conn.peerName} sent nothing for ${Number(((timeoutMs + params.interval_s * 1000) / 1000).toFixed(3))}s while running the test - is it still running?`),
    };
    const failures = [...workers.map((w) => namePeer(conn, w.result)), conn.race(new Promise<never>(() => {})), serverError];
    const interrupted = await waitForDuration(params.duration_s * 1000, failures, silence, options.signal);
    for (const w of workers) w.stop();
    conn.send({ type: 'STOP' });
    // The server's RESULT first: it may close the connection right after, while our receivers still drain.
    const result = await nextOrError(conn, timeoutMs + params.duration_s * 1000, 'waiting for the server to report its counters');
    if (result.type !== 'RESULT') throw unexpected(result, 'RESULT');
    const client = await namePeer(conn, Promise.all(workers.map((w) => w.result)));
    const clientWall = (performance.now() - startedAt) / 1000;
    finished = true;
    return { client, server: result.streams, client_wall_s: clientWall, server_wall_s: result.wall_s, interrupted };
  } catch (err) {
    throw await peerVerdict(conn, err);
  } finally {
    // After a failure there is nothing left to say: a graceful close would wait on a
    // frozen server's answer and keep `bench test` from exiting.
    if (finished) conn.close();
    else conn.destroy();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function waitInQueue(conn: ClientControl, options: ClientTestOptions, timeoutMs: number): Promise<Extract<ServerMessage, { type: 'READY' }>> {
  const waitLimit = options.wait_s && options.wait_s > 0 ? performance.now() + options.wait_s * 1000 : Infinity;
  const gaveUp = (): PeerTimeoutError =>
    new PeerTimeoutError(`gave up waiting in ${conn.peerName}'s queue after ${options.wait_s}s (--wait) - the server is busy with other tests`);
  for (;;) {
    const left = waitLimit - performance.now();
    if (left <= 0) throw gaveUp();
    let m: ServerMessage;
    try {
      m = await abortable(nextOrError(conn, Math.min(timeoutMs, left), 'waiting in the queue'), options.signal);
    } catch (err) {
      // Our own deadline passed: when --wait set it, that is the reason, not a silent server.
      if (err instanceof PeerTimeoutError && left < timeoutMs) throw gaveUp();
      throw err;
    }
    if (m.type === 'QUEUED') {
      options.onEvent?.({ type: 'queued', position: m.position });
      continue;
    }
    if (m.type === 'READY') {
      if (m.data_ports.length !== options.params.streams) {
        throw new ProtocolError(`server announced ${m.data_ports.length} data ports for ${options.params.streams} streams`);
      }
      return m;
    }
    throw unexpected(m, 'QUEUED or READY');
  }
}

interface SilenceWatch {
  limitMs: number;
  lastHeardAt: () => number;
  error: () => BenchError;
}

/** Waits out the duration; ends early on abort, a failure, or a server silent too long. Returns whether it was aborted. */
function waitForDuration(ms: number, failures: Promise<unknown>[], silence: SilenceWatch, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return resolve(true);
    const timer = setTimeout(() => finish(false), ms);
    const watchdog = setInterval(() => {
      if (performance.now() - silence.lastHeardAt() > silence.limitMs) fail(silence.error());
    }, Math.min(250, silence.limitMs / 4));
    const onAbort = (): void => finish(true);
    signal?.addEventListener('abort', onAbort, { once: true });
    for (const f of failures) f.catch((e: unknown) => fail(e));
    let settled = false;
    function settle(): boolean {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      clearInterval(watchdog);
      signal?.removeEventListener('abort', onAbort);
      return true;
    }
    function finish(aborted: boolean): void {
      if (settle()) resolve(aborted);
    }
    function fail(e: unknown): void {
      if (settle()) reject(e);
    }
  });
}

/** A data stream's failure names the peer: 'data connection failed' alone does not say with whom. */
function namePeer<T>(conn: ClientControl, work: Promise<T>): Promise<T> {
  return work.catch((err: unknown) => {
    const e = asBenchError(err);
    throw new BenchError(e.code, `${conn.peerName}: ${e.message}`, { cause: e });
  });
}

function abortable<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new BenchError('E_INTERRUPTED', 'interrupted while waiting in the queue'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The next message; an ERROR from the server becomes its error, with its code. */
async function nextOrError(conn: ClientControl, timeoutMs: number, phase: string): Promise<ServerMessage> {
  const m = await conn.next(timeoutMs, phase);
  if (m.type === 'ERROR') throw fromServer(conn, m);
  return m;
}

function fromServer(conn: ClientControl, m: Extract<ServerMessage, { type: 'ERROR' }>): BenchError {
  const e = errorFromWire(m);
  return new BenchError(e.code, `${conn.peerName}: ${e.message}`);
}

function unexpected(m: ServerMessage, wanted: string): ProtocolError {
  return new ProtocolError(`expected ${wanted} from the server, got ${m.type}`);
}

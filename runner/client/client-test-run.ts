import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { checkCongestion } from '../data/congestion-check.js';
import { benchVersion } from '../core/package-paths.js';
import { PROTOCOL_VERSION, type ServerMessage, type StreamReport, type StreamSample } from '../control/messages.js';
import { UDP_DRAIN_S } from '../core/defaults.js';
import { AuthError, BenchError, InterruptedError, ProtocolError, PeerTimeoutError, asBenchError, errorFromWire } from '../core/errors.js';
import type { PeerAddress, RunEvent } from '../core/run-events.js';
import { type TestParams, clientSends, dataLanes, runSpan } from '../core/test-params.js';
import { DataWorkerHandle } from '../data/data-worker-handle.js';
import type { ClientAuth } from '../auth/token-auth.js';
import { connectControl, peerVerdict, type ClientControl } from './connect-control.js';
import { LiveIntervals } from './live-intervals.js';
import { checkPeerFigures } from './peer-figures.js';

export interface ClientTestOutcome {
  client: StreamReport[];
  server: StreamReport[];
  client_wall_s: number;
  server_wall_s: number;
  interrupted: boolean;
  /** The name the server reported in its WELCOME (bench serve --name, default its host name). */
  server_name: string;
  /** Set when the test failed part way and the figures cover what was measured before (UDP_STREAM). */
  failure?: BenchError;
}

export interface ClientTestOptions {
  peer: PeerAddress;
  /** Address the data connections go to (the control connection's resolved address). */
  params: TestParams;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  wait_s?: number;
  auth?: ClientAuth | null;
  /** Hears the name the server reported in its WELCOME, before anything can fail after it. */
  onServerName?: (name: string) => void;
}

/**
 * The client's side of one test: HELLO, request, wait in the queue, open the
 * data streams in worker threads, START, let the duration pass (or an abort),
 * STOP, and collect both sides' counters.
 */
export async function runClientTest(options: ClientTestOptions): Promise<ClientTestOutcome> {
  const { params, peer } = options;
  const timeoutMs = params.timeout_s * 1000;
  const { signal } = options;
  // This end's data sockets take the congestion control too: refused here before the peer is even asked.
  checkCongestion(params, `this host (${hostname()})`);
  options.onEvent?.({ type: 'connecting', peer: peer.name ?? peer.host });
  const connecting = connectControl(peer, timeoutMs);
  const conn = await abortable(connecting, signal, 'connecting to the peer').catch((err: unknown) => {
    // A connection that completes after Ctrl-C would hold the process open: close it when it comes.
    connecting.then(
      (late) => late.destroy(),
      () => {},
    );
    throw err;
  });
  const workers: DataWorkerHandle[] = [];
  let finished = false;
  try {
    const helloSentAt = performance.now();
    conn.send({ type: 'HELLO', protocol: PROTOCOL_VERSION, bench_version: benchVersion });
    const welcome = await abortable(
      nextOrError(conn, timeoutMs, 'waiting for the server to answer HELLO'),
      signal,
      'waiting for the server to answer HELLO',
    );
    if (welcome.type !== 'WELCOME') throw unexpected(welcome, 'WELCOME');
    options.onServerName?.(welcome.hostname);
    const rttMs = performance.now() - helloSentAt;
    if (welcome.auth_required) {
      if (!options.auth) throw new AuthError(`${conn.peerName} requires a token: pass --token-file (token_file on a scenario peer)`);
      await abortable(options.auth.answer(conn, timeoutMs), signal, 'authenticating to the server');
    } else {
      options.auth?.notRequired(conn);
    }
    conn.send({ type: 'TEST_REQUEST', params });

    const live = new LiveIntervals(params, (index, record) => options.onEvent?.({ type: 'interval', index, record }));
    // Both sides' interval samples as they arrive: what a run that fails part way can still report.
    const lanes = dataLanes(params);
    const localSamples: StreamSample[][] = Array.from({ length: lanes.length }, () => []);
    const remoteSamples: StreamSample[][] = Array.from({ length: lanes.length }, () => []);
    const startWorkers = (): void => {
      for (let stream = 0; stream < lanes.length; stream++) {
        workers.push(
          new DataWorkerHandle({ side: 'client', stream, params, timeout_ms: timeoutMs, lane: lanes[stream] }, (sample) => {
            localSamples[stream].push(sample);
            live.addLocal(stream, sample);
          }),
        );
      }
    };
    // The data workers start with the request: their start-up (a thread and its modules, about a quarter second)
    // overlaps the server's own, and they open their sockets once READY says where. Queued behind other tests,
    // this client lets them go (a long wait must not hold a thread per stream) and starts them again at READY.
    startWorkers();
    const ready = await waitInQueue(conn, options, timeoutMs, () => {
      for (const w of workers.splice(0)) w.terminate().catch(() => {});
    });
    if (workers.length === 0) startWorkers();
    const dataHost = conn.socket.remoteAddress ?? peer.host;
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
      remoteSamples[m.stream]?.push(m.sample);
      live.addRemote(m.stream, m.sample);
      return true;
    });
    for (const [stream, worker] of workers.entries()) {
      worker.begin({
        cookie: ready.cookie,
        host: dataHost,
        // The server's one port (runner/data/one-port.ts): data goes where the control connection went (through
        // a port forward too), greets and waits for the ack.
        port: ready.one_port ? (conn.socket.remotePort ?? peer.port) : ready.data_ports[stream],
        ...(ready.one_port ? { one_port: true } : {}),
        // A UDP receiver here keeps listening one round trip longer, for what the server sent before it heard STOP.
        drain_ms: UDP_DRAIN_S * 1000 + Math.ceil(rttMs),
      });
    }
    await abortable(
      conn.race(Promise.race([namePeer(conn, Promise.all(workers.map((w) => w.attached))), serverError])),
      signal,
      'opening the data connections',
    );
    const attached = await abortable(
      nextOrError(conn, timeoutMs, 'waiting for the server to accept the data connections'),
      signal,
      'waiting for the server to accept the data connections',
    );
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
      error: () =>
        new PeerTimeoutError(
          `${conn.peerName} sent nothing for ${Number(((timeoutMs + params.interval_s * 1000) / 1000).toFixed(3))}s while running the test - is it still running?`,
        ),
    };
    const failures = [...workers.map((w) => namePeer(conn, w.result)), conn.race(new Promise<never>(() => {})), serverError];
    let interrupted: boolean;
    try {
      interrupted = await waitForDuration(runSpan(params) * 1000, failures, silence, signal);
    } catch (err) {
      // A data path gone silent is an outage the figures can describe; a peer that died or froze is not.
      const failure = asBenchError(err);
      const before = failure.code === 'E_DATA_PATH' ? measuredBefore(params, localSamples, remoteSamples) : null;
      if (!before) throw err;
      return {
        ...before,
        client_wall_s: (performance.now() - startedAt) / 1000,
        server_wall_s: 0,
        interrupted: false,
        failure,
        server_name: welcome.hostname,
      };
    }
    for (const w of workers) w.stop();
    conn.send({ type: 'STOP' });
    // The server's RESULT first: it may close the connection right after, while our receivers still drain.
    const result = await nextOrError(conn, timeoutMs + runSpan(params) * 1000, 'waiting for the server to report its counters');
    if (result.type !== 'RESULT') throw unexpected(result, 'RESULT');
    const client = await namePeer(conn, Promise.all(workers.map((w) => w.result)));
    const clientWall = (performance.now() - startedAt) / 1000;
    checkPeerFigures(conn.peerName, params, client, result, clientWall);
    finished = true;
    return {
      client,
      server: result.streams,
      client_wall_s: clientWall,
      server_wall_s: result.wall_s,
      interrupted,
      server_name: welcome.hostname,
    };
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

/**
 * A UDP_STREAM whose receiver heard nothing for --timeout (all UDP dropped)
 * keeps the intervals both sides had reported: each side's samples up to the
 * last boundary both reached. The sender's count at that boundary includes
 * the datagrams of the outage, which the receiver never saw: they count as
 * lost. Null unless the receiver's last whole interval was silent on every
 * stream (an outage, not a peer that died mid-flow) and one interval past
 * --omit was measured on both sides.
 */
function measuredBefore(
  params: ClientTestOptions['params'],
  local: StreamSample[][],
  remote: StreamSample[][],
): Pick<ClientTestOutcome, 'client' | 'server'> | null {
  if (params.test !== 'UDP_STREAM') return null;
  const last = Math.min(...local.map((s) => s.length), ...remote.map((s) => s.length)) - 1;
  const omitted = params.omit_s > 0 ? Math.ceil(params.omit_s / params.interval_s - 1e-9) : 0;
  if (last < Math.max(1, omitted)) return null;
  // Each connection's receiver: the server's where the client sends (with bidir, on half the connections).
  const received = local.map((s, c) => (clientSends(params, c) ? remote[c] : s));
  if (received.some((s) => s[last].packets !== s[last - 1].packets)) return null;
  const reports = (samples: StreamSample[][], sends: (c: number) => boolean): StreamReport[] =>
    samples.map((s, stream) => ({
      stream,
      role: sends(stream) ? 'sender' : 'receiver',
      samples: s.slice(0, last + 1),
      omit_sample: omitted > 0 ? s[omitted - 1] : null,
      final: s[last],
      cpu_s: null,
    }));
  return {
    client: reports(local, (c) => clientSends(params, c)),
    server: reports(remote, (c) => !clientSends(params, c)),
  };
}

async function waitInQueue(
  conn: ClientControl,
  options: ClientTestOptions,
  timeoutMs: number,
  onQueued: () => void,
): Promise<Extract<ServerMessage, { type: 'READY' }>> {
  const waitLimit = options.wait_s && options.wait_s > 0 ? performance.now() + options.wait_s * 1000 : Infinity;
  const gaveUp = (): PeerTimeoutError =>
    new PeerTimeoutError(
      `gave up waiting in ${conn.peerName}'s queue after ${options.wait_s}s (--wait) - the server is busy with other tests`,
    );
  for (;;) {
    const left = waitLimit - performance.now();
    if (left <= 0) throw gaveUp();
    let m: ServerMessage;
    try {
      m = await abortable(nextOrError(conn, Math.min(timeoutMs, left), 'waiting in the queue'), options.signal, 'waiting in the queue');
    } catch (err) {
      // Our own deadline passed: when --wait set it, that is the reason, not a silent server.
      if (err instanceof PeerTimeoutError && left < timeoutMs) throw gaveUp();
      throw err;
    }
    if (m.type === 'QUEUED') {
      onQueued();
      options.onEvent?.({ type: 'queued', position: m.position });
      continue;
    }
    if (m.type === 'READY') {
      const connections = dataLanes(options.params).length;
      if (m.data_ports.length !== connections) {
        throw new ProtocolError(`server announced ${m.data_ports.length} data ports for ${connections} data connections`);
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
    let settled = false;
    // Every failure is observed before an early return: after Ctrl-C they still reject (the
    // connection and workers are torn down), and an unobserved rejection would crash bench.
    for (const f of failures) f.catch((e: unknown) => fail(e));
    const timer = setTimeout(() => finish(false), ms);
    const watchdog = setInterval(
      () => {
        if (performance.now() - silence.lastHeardAt() > silence.limitMs) fail(silence.error());
      },
      Math.min(250, silence.limitMs / 4),
    );
    const onAbort = (): void => finish(true);
    if (signal?.aborted) return finish(true);
    signal?.addEventListener('abort', onAbort, { once: true });
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

/**
 * `work`, or an InterruptedError naming `phase` as soon as the signal aborts.
 * The work goes on after an abort and settles when the connection is torn
 * down: its handlers go on first, so that late rejection is always observed.
 */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, phase: string): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new InterruptedError(`interrupted while ${phase}, before anything was measured`));
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
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

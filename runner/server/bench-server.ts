import { readFileSync } from 'node:fs';
import net from 'node:net';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ControlConnection } from '../control/control-connection.js';
import { PROTOCOL_VERSION, parseClientMessage, type ClientMessage, type StreamReport } from '../control/messages.js';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../core/defaults.js';
import {
  type BenchError,
  ListenError,
  PeerClosedError,
  PeerTimeoutError,
  ProtocolError,
  RefusedError,
  UsageError,
  VersionMismatchError,
  asBenchError,
} from '../core/errors.js';
import { benchVersion } from '../core/package-paths.js';
import { DEFAULT_HANDSHAKE_LIMITS, HandshakeGuard, RateLimitedLog, type HandshakeLimits } from './handshake-guard.js';
import { checkRequestLimits } from './request-limits.js';
import { silentLog, type ServerLog } from './server-log.js';
import { serveRemoteTest, type RemoteClientRunner } from './remote-run.js';
import { runServerTest, type OnePort, type ServerControl } from './server-test-run.js';
import { DataPortRouter } from './data-port-router.js';
import { socketHandoff } from '../native/native-io.js';
import { checkCongestion } from '../data/congestion-check.js';
import { TestQueue } from './test-queue.js';
import { formatHostPort } from '../core/host-port.js';
import type { ServerAuth } from '../auth/token-auth.js';

export interface BenchServerOptions {
  host: string;
  port: number;
  timeout_s: number;
  limits?: Partial<ServerLimits>;
  log?: ServerLog;
  auth?: ServerAuth | null;
  /** The name this server goes by in handshakes (bench serve --name); default the host name. */
  name?: string;
  /**
   * Runs the client side of a test for an authenticated orchestrator (bench
   * serve --allow-remote); absent, remote requests are refused. Needs `auth`.
   */
  remote?: RemoteClientRunner | null;
  /** Caps on connections that have not finished HELLO, the token and TEST_REQUEST. */
  handshake?: Partial<HandshakeLimits>;
  /** Lines a second about single failed handshakes before they are only counted (default 10). */
  failure_lines_per_second?: number;
  /**
   * Data on the control port, TCP and UDP, as iperf3 does (default true):
   * a firewall lets through the one port. False: a fresh port per stream
   * (bench serve --ephemeral-data-ports).
   */
  one_port?: boolean;
}

export interface BenchServer {
  readonly address: { host: string; port: number };
  /** Tests served since start, ok or failed. */
  readonly testsServed: number;
  /** Connections accepted that have not finished the handshake yet. */
  readonly pendingHandshakes: number;
  /** The name it reports in handshakes; with busy and waiting, what its health endpoint shows. */
  readonly name: string;
  readonly busy: boolean;
  readonly waiting: number;
  /**
   * Stops listening and ends every connection. With a reason (`stopping (SIGTERM)`), each client still
   * connected, queued or in a test, is told it first, as an ERROR, so it does not read a bare close as a fault.
   */
  close(reason?: string): Promise<void>;
}

/** How long a client told that the server is stopping has to take the ERROR before its connection is cut. */
const STOP_FLUSH_MS = 1000;
/** How often a waiting client hears its position, at most (also its keep-alive). */
const QUEUE_UPDATE_MAX_MS = 5000;
/** Log lines a second about single failed connections, before they are only counted. */
const FAILURE_LINES_PER_SECOND = 10;
/** Descriptors kept free beyond the connections: listening socket, worker threads, data sockets, stdio. */
const FD_HEADROOM = 64;

/**
 * `bench serve`: accepts control connections, queues test requests, runs one
 * test at a time, and goes back to waiting after each, whatever the client did.
 */
export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  // A server that runs tests for others must know who asks: never without a token.
  if (options.remote && !options.auth)
    throw new UsageError('--allow-remote needs --token-file: only an orchestrator holding the token may make this server send');
  const name = options.name ?? hostname();
  const log = options.log ?? silentLog;
  const queue = new TestQueue(limits.max_queue);
  const handshakeLimits: HandshakeLimits = { ...DEFAULT_HANDSHAKE_LIMITS, ...options.handshake };
  const guard = new HandshakeGuard(handshakeLimits, log);
  const failureLog = new RateLimitedLog(log, options.failure_lines_per_second ?? FAILURE_LINES_PER_SECOND);
  const fdLimit = openFileLimit();
  const sockets = new Set<net.Socket>();
  const controls = new Set<ServerControl>();
  /** Why the server is closing (set by close): what clients still connected are told, and what their log lines say. */
  let stopping: string | null = null;
  let served = 0;
  // One deadline for the whole handshake: a peer that has proved nothing gets seconds, not a timeout per phase.
  const handshakeMs = Math.min(handshakeLimits.timeout_s, options.timeout_s) * 1000;
  const router = options.one_port === false ? null : new DataPortRouter();
  let onePort: OnePort | null = null;

  const server = net.createServer((socket) => {
    const acceptedAt = performance.now();
    sockets.add(socket);
    guard.admit(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      guard.leave(socket);
    });
    // Past the open-file limit the kernel's accept fails, and Node closes such connections without
    // telling us (libuv's EMFILE handling): say so while it is still about to happen.
    if (fdLimit !== null && sockets.size + FD_HEADROOM >= fdLimit) {
      failureLog.info('open-files', {
        connections: sockets.size,
        limit: fdLimit,
        note: 'close to the open-file limit: new connections may be dropped unseen - raise it (ulimit -n, LimitNOFILE=)',
      });
    }
    const who = formatHostPort(socket.remoteAddress ?? 'unknown address', socket.remotePort ?? '?');
    const serveControl = (): void => {
      const conn: ServerControl = new ControlConnection(socket, `client ${who}`, parseClientMessage);
      controls.add(conn);
      serveClient(conn, who, acceptedAt)
        .catch(() => {})
        .finally(() => controls.delete(conn));
    };
    if (!router) return serveControl();
    router.route(socket, handshakeMs, serveControl, (why) => failureLog.info('data-refused', { client: who, why }));
  });

  async function serveClient(conn: ServerControl, who: string, acceptedAt: number): Promise<void> {
    const handshakeEnds = acceptedAt + handshakeMs;
    let phase = 'waiting for HELLO';
    let ticket: ReturnType<TestQueue['enter']> | null = null;
    let keepAlive: NodeJS.Timeout | null = null;
    let test = '-';
    // A probe (reachability, version, name, auth) says BYE where it would go on with the handshake: it
    // asked for nothing, so nothing failed. A BYE in place of the message a read waits for ends that read;
    // one behind a message already taken (a HELLO, a token answer in the same segment) waits until that
    // message is dealt with, so a wrong token is still refused first: that refusal is the probe's verdict.
    let saidBye = false;
    let closedOnBye = false;
    let heardBye: () => void = () => {};
    const byeError = new PeerClosedError(`${conn.peerName} said BYE`);
    const bye = new Promise<never>((_, reject) => {
      heardBye = () => reject(byeError);
    });
    bye.catch(() => {});
    conn.intercept((m) => {
      if (m.type !== 'BYE') return false;
      saidBye = true;
      if (conn.awaiting) heardBye();
      return true;
    });
    const handshakeRead = async <T>(read: () => Promise<T>): Promise<T> => {
      try {
        // Already heard: the BYE came behind what the last read took, and ends this read.
        if (saidBye) heardBye();
        return await (saidBye ? bye : Promise.race([read(), bye]));
      } catch (err) {
        // Only the BYE itself closes quietly: a refusal of what came before it (a wrong token) is still sent.
        if (err === byeError) {
          closedOnBye = true;
          conn.destroy();
        }
        throw err;
      }
    };
    const handshakeNext = (): ReturnType<ServerControl['next']> =>
      handshakeRead(() => conn.next(Math.max(1, handshakeEnds - performance.now()), phase));
    try {
      let request: ClientMessage;
      try {
        const hello = await handshakeNext();
        if (hello.type !== 'HELLO') throw new ProtocolError(`expected HELLO first, got ${hello.type}`);
        if (hello.protocol !== PROTOCOL_VERSION) {
          throw new VersionMismatchError(
            `protocol version mismatch: this server (bench ${benchVersion}) speaks protocol ${PROTOCOL_VERSION}, the client (bench ${hello.bench_version}) speaks ${hello.protocol} - install the same bench version on both hosts`,
          );
        }
        guard.spoke(conn.socket);
        conn.send({
          type: 'WELCOME',
          protocol: PROTOCOL_VERSION,
          bench_version: benchVersion,
          hostname: name,
          auth_required: Boolean(options.auth),
          remote: Boolean(options.remote),
        });
        phase = 'waiting for the answer to the token challenge';
        const auth = options.auth;
        if (auth) await handshakeRead(() => auth.verify(conn, Math.max(1, handshakeEnds - performance.now())));

        phase = 'waiting for TEST_REQUEST';
        request = await handshakeNext();
        if (request.type !== 'TEST_REQUEST' && request.type !== 'REMOTE_TEST_REQUEST')
          throw new ProtocolError(`expected TEST_REQUEST, got ${request.type}`);
      } catch (err) {
        if (err instanceof PeerTimeoutError) {
          throw new PeerTimeoutError(
            `${conn.peerName} did not finish the handshake within ${handshakeMs / 1000}s (still ${phase}) - is it a bench client?`,
          );
        }
        throw err;
      }
      // Past the handshake a BYE is out of order, like any other message the test does not expect.
      conn.intercept(null);
      guard.leave(conn.socket);
      if (request.type === 'REMOTE_TEST_REQUEST' && !options.remote) {
        throw new RefusedError(`${name} does not run tests for others: start it with bench serve --allow-remote --token-file FILE`);
      }
      const params = request.params;
      test = params.test;
      // The same limits whichever end this server plays: a remote request cannot ask for more than a client could.
      checkRequestLimits(params, limits);
      // Before the queue and any data: a congestion control this kernel refuses is said now, with what it allows.
      checkCongestion(params, name);

      // A request read after the stop began (it was already in the socket) joins no queue and starts nothing.
      if (stopping !== null) throw stoppingError(stopping);
      let position = 0;
      ticket = queue.enter((p) => {
        position = p;
        conn.send({ type: 'QUEUED', position: p });
      });
      if (position > 0) {
        log.info('queued', { client: who, test, position });
        const every = Math.min(QUEUE_UPDATE_MAX_MS, (params.timeout_s * 1000) / 3);
        keepAlive = setInterval(() => conn.send({ type: 'QUEUED', position }), every);
      }
      await conn.raceSilent(ticket.turn, 'waiting in the queue');
      if (keepAlive) clearInterval(keepAlive);
      if (stopping !== null) throw stoppingError(stopping);

      if (request.type === 'REMOTE_TEST_REQUEST' && options.remote) {
        const to = formatHostPort(request.to.host, request.to.port);
        log.info('start', { client: who, test, role: 'client', to, duration: `${params.duration_s}s` });
        const run = await serveRemoteTest(conn, params, request.to, options.remote);
        served++;
        log.info('test', { client: who, test, role: 'client', to, status: run.status, ...(run.error ? { error: run.error.message } : {}) });
        conn.close();
        return;
      }
      log.info('start', { client: who, test, duration: `${params.duration_s}s` });
      // The client picks its own timeout, but never one that holds this server longer than its own.
      const { reports, wall_s } = await runServerTest(conn, params, options.host, Math.min(params.timeout_s, options.timeout_s), onePort);
      served++;
      log.info('test', {
        client: who,
        test,
        streams: params.streams,
        reverse: params.reverse,
        seconds: wall_s.toFixed(2),
        status: 'ok',
        result: describe(reports),
      });
      conn.close();
    } catch (err) {
      if (closedOnBye) return;
      // The server closed this connection itself: its reason, not the close the client then saw.
      const e = stopping === null ? asBenchError(err) : stoppingError(stopping);
      if (test !== '-') served++;
      // Connections closed to make room are counted in the guard's summary line instead.
      if (!guard.closedForRoom(conn.socket)) {
        // Before TEST_REQUEST anyone can fail at will: those lines are rate-limited, a test's are not.
        (test === '-' ? failureLog : log).info('test', { client: who, test, status: 'failed', error: e.message });
      }
      // Still writable after bad input or a deadline: tell the client why before closing.
      if (conn.writable) {
        conn.send({ type: 'ERROR', code: e.code, message: e.message });
        conn.close();
      } else {
        conn.destroy();
      }
    } finally {
      // A failed handshake frees its place at once, not when the peer gets round to closing.
      guard.leave(conn.socket);
      if (keepAlive) clearInterval(keepAlive);
      ticket?.release();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, options.host, options.port)));
    server.listen({ host: options.host, port: options.port }, () => resolve());
  });
  const bound = server.address() as net.AddressInfo;
  if (router) {
    onePort = { port: bound.port, router };
    if (!socketHandoff)
      log.info('warning', {
        note: `TCP data connections get a fresh port per stream: moving them from port ${bound.port} to a data thread needs the native library, which is not built (npm run build); UDP data uses port ${bound.port}`,
      });
  }
  // Once listening, an error on the listening socket (out of file descriptors on accept) is
  // logged, not thrown: a server left running on a lab network must not die of one.
  server.on('error', (err: NodeJS.ErrnoException) => failureLog.info('accept-error', { code: err.code ?? 'unknown', error: err.message }));
  if (fdLimit !== null && fdLimit < handshakeLimits.max_pending + FD_HEADROOM) {
    log.info('warning', {
      note: `the open-file limit (${fdLimit}) is below the pending-handshake cap (${handshakeLimits.max_pending}) plus ${FD_HEADROOM}: a flood of connections can lock out clients - raise it (ulimit -n, LimitNOFILE=)`,
    });
  }

  return {
    address: { host: bound.address, port: bound.port },
    get testsServed() {
      return served;
    },
    get pendingHandshakes() {
      return guard.pendingCount;
    },
    name,
    get busy() {
      return queue.busy;
    },
    get waiting() {
      return queue.waitingCount;
    },
    close: (reason?: string) =>
      new Promise<void>((resolve) => {
        stopping = reason ?? 'closing';
        guard.stop();
        failureLog.stop();
        const told = new Set<net.Socket>();
        if (reason !== undefined) {
          const e = stoppingError(reason);
          for (const conn of controls) {
            if (!conn.writable) continue;
            conn.send({ type: 'ERROR', code: e.code, message: e.message });
            // end(), not destroy(): the ERROR goes out before the FIN; a client that never reads gets a second.
            conn.socket.end();
            setTimeout(() => conn.socket.destroy(), STOP_FLUSH_MS).unref();
            told.add(conn.socket);
          }
        }
        for (const s of sockets) if (!told.has(s)) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function stoppingError(reason: string): PeerClosedError {
  return new PeerClosedError(`the server is ${reason}: run the test again once 'bench serve' is back`);
}

/** The soft limit on open files (Linux), or null where it cannot be read. */
function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): BenchError {
  const where = formatHostPort(host, port);
  if (err.code === 'EADDRINUSE')
    return new ListenError(`cannot listen on ${where}: the port is in use - stop the other server or pick another --port`, err);
  if (err.code === 'EADDRNOTAVAIL')
    return new ListenError(
      `cannot listen on ${where}: the address is not on this host - pick one of this host's addresses with --host`,
      err,
    );
  if (err.code === 'EACCES') return new ListenError(`cannot listen on ${where}: permission denied - ports below 1024 need root`, err);
  return new ListenError(`cannot listen on ${where}: ${err.message}`, err);
}

/** The server's own view of what it measured, for its log line. */
function describe(reports: StreamReport[]): string {
  let bits = 0;
  let transactions = 0;
  let seconds = 0;
  for (const r of reports) {
    seconds = Math.max(seconds, r.final.t);
    if (r.role === 'receiver') bits += r.final.bytes * 8;
    if (r.role === 'rr-responder') transactions += r.final.transactions;
  }
  if (seconds === 0) return 'none';
  if (bits > 0) return `${(bits / seconds / 1e6).toFixed(1)}Mbit/s_received`;
  if (transactions > 0) return `${Math.round(transactions / seconds)}_answers/s`;
  return 'sent';
}

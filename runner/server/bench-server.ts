import net from 'node:net';
import { hostname } from 'node:os';
import { ControlConnection } from '../control/control-connection.js';
import { PROTOCOL_VERSION, parseClientMessage, type StreamReport } from '../control/messages.js';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../core/defaults.js';
import { BenchError, ListenError, ProtocolError, RefusedError, UsageError, VersionMismatchError, asBenchError } from '../core/errors.js';
import { benchVersion } from '../core/bench-version.js';
import { checkRequestLimits } from './request-limits.js';
import { silentLog, type ServerLog } from './server-log.js';
import { serveRemoteTest, type RemoteClientRunner } from './remote-run.js';
import { runServerTest, type ServerControl } from './server-test-run.js';
import { TestQueue } from './test-queue.js';
import { formatHostPort } from '../core/host-port.js';
import type { ServerAuth } from './server-auth.js';

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
}

export interface BenchServer {
  readonly address: { host: string; port: number };
  /** Tests served since start, ok or failed. */
  readonly testsServed: number;
  close(): Promise<void>;
}

/** How often a waiting client hears its position, at most (also its keep-alive). */
const QUEUE_UPDATE_MAX_MS = 5000;

/**
 * `bench serve`: accepts control connections, queues test requests, runs one
 * test at a time, and goes back to waiting after each, whatever the client did.
 */
export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  // A server that runs tests for others must know who asks: never without a token.
  if (options.remote && !options.auth) throw new UsageError('--allow-remote needs --token-file: only an orchestrator holding the token may make this server send');
  const name = options.name ?? hostname();
  const log = options.log ?? silentLog;
  const queue = new TestQueue(limits.max_queue);
  const sockets = new Set<net.Socket>();
  let served = 0;

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const who = formatHostPort(socket.remoteAddress ?? 'unknown address', socket.remotePort ?? '?');
    const conn: ServerControl = new ControlConnection(socket, `client ${who}`, parseClientMessage);
    serveClient(conn, who).catch(() => {});
  });

  async function serveClient(conn: ServerControl, who: string): Promise<void> {
    const timeoutMs = options.timeout_s * 1000;
    let ticket: ReturnType<TestQueue['enter']> | null = null;
    let keepAlive: NodeJS.Timeout | null = null;
    let test = '-';
    try {
      const hello = await conn.next(timeoutMs, 'waiting for HELLO');
      if (hello.type !== 'HELLO') throw new ProtocolError(`expected HELLO first, got ${hello.type}`);
      if (hello.protocol !== PROTOCOL_VERSION) {
        throw new VersionMismatchError(
          `protocol version mismatch: this server (bench ${benchVersion}) speaks protocol ${PROTOCOL_VERSION}, the client (bench ${hello.bench_version}) speaks ${hello.protocol} - install the same bench version on both hosts`,
        );
      }
      conn.send({
        type: 'WELCOME',
        protocol: PROTOCOL_VERSION,
        bench_version: benchVersion,
        hostname: name,
        auth_required: Boolean(options.auth),
        remote: Boolean(options.remote),
      });
      if (options.auth) await options.auth.verify(conn, timeoutMs);

      const request = await conn.next(timeoutMs, 'waiting for TEST_REQUEST');
      if (request.type !== 'TEST_REQUEST' && request.type !== 'REMOTE_TEST_REQUEST') throw new ProtocolError(`expected TEST_REQUEST, got ${request.type}`);
      if (request.type === 'REMOTE_TEST_REQUEST' && !options.remote) {
        throw new RefusedError(`${name} does not run tests for others: start it with bench serve --allow-remote --token-file FILE`);
      }
      const params = request.params;
      test = params.test;
      // The same limits whichever end this server plays: a remote request cannot ask for more than a client could.
      checkRequestLimits(params, limits);

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

      if (request.type === 'REMOTE_TEST_REQUEST' && options.remote) {
        const to = request.to.host.includes(':') ? `[${request.to.host}]:${request.to.port}` : `${request.to.host}:${request.to.port}`;
        log.info('start', { client: who, test, role: 'client', to, duration: `${params.duration_s}s` });
        const run = await serveRemoteTest(conn, params, request.to, options.remote);
        served++;
        log.info('test', { client: who, test, role: 'client', to, status: run.status, ...(run.error ? { error: run.error.message } : {}) });
        conn.close();
        return;
      }
      log.info('start', { client: who, test, duration: `${params.duration_s}s` });
      // The client picks its own timeout, but never one that holds this server longer than its own.
      const { reports, wall_s } = await runServerTest(conn, params, options.host, Math.min(params.timeout_s, options.timeout_s));
      served++;
      log.info('test', { client: who, test, streams: params.streams, reverse: params.reverse, seconds: wall_s.toFixed(2), status: 'ok', result: describe(reports) });
      conn.close();
    } catch (err) {
      const e = asBenchError(err);
      if (test !== '-') served++;
      log.info('test', { client: who, test, status: 'failed', error: e.message });
      // Still writable after bad input or a deadline: tell the client why before closing.
      if (conn.writable) {
        conn.send({ type: 'ERROR', code: e.code, message: e.message });
        conn.close();
      } else {
        conn.destroy();
      }
    } finally {
      if (keepAlive) clearInterval(keepAlive);
      ticket?.release();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, options.host, options.port)));
    server.listen({ host: options.host, port: options.port }, () => resolve());
  });
  const bound = server.address() as net.AddressInfo;
  // Once listening, an error on the listening socket (out of file descriptors on accept) is
  // logged, not thrown: a server left running on a lab network must not die of one.
  server.on('error', (err: NodeJS.ErrnoException) => log.info('accept-error', { code: err.code ?? 'unknown', error: err.message }));

  return {
    address: { host: bound.address, port: bound.port },
    get testsServed() {
      return served;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): BenchError {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (err.code === 'EADDRINUSE') return new ListenError(`cannot listen on ${where}: the port is in use - stop the other server or pick another --port`, err);
  if (err.code === 'EADDRNOTAVAIL') return new ListenError(`cannot listen on ${where}: the address is not on this host - pick one of this host's addresses with --host`, err);
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

import net, { type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DataPathError } from '../core/errors.js';
import { formatHostPort } from '../core/host-port.js';
import type { DataRole } from './data-role.js';
import { RrLatency } from './rr-latency.js';
import { StreamCounters } from './stream-counters.js';
import { CRR_RETRY_PAUSE_MS, allConnectsFailedError, crrRequest, portExhaustionError } from './tcp-crr.js';

/** Errors of connect() that mean the connection was not made, counted as connect failures. */
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/**
 * TCP_CRR client on Node's sockets (tcp-crr.ts says what goes over the
 * wire): a new connection per transaction, one at a time. A transaction's
 * latency runs from connect() to the response's last byte; the connection is
 * closed once the server's end arrives (Node ends ours then), so the client
 * is never the one left in TIME_WAIT. A connection not made within the
 * timeout, refused, or failed before the whole response is a connect
 * failure, and the next attempt follows a short pause; none made for the
 * whole timeout fails the stream.
 */
export class TcpCrrClient implements DataRole {
  readonly kind = 'rr-client';
  readonly dataPath = 'js';
  readonly counters = new StreamCounters();
  readonly latency = new RrLatency();
  private readonly host: string;
  private readonly port: number;
  private readonly message: Buffer;
  private readonly responseSize: number;
  private readonly timeoutMs: number;
  private readonly onFailure: (err: Error) => void;
  private running = false;
  private stopped = false;
  private socket: Socket | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private lastMadeAt = 0;
  private connections = 0;

  constructor(
    host: string,
    port: number,
    cookie: Buffer,
    requestSize: number,
    responseSize: number,
    timeoutMs: number,
    onFailure: (err: Error) => void,
  ) {
    this.host = host;
    this.port = port;
    this.message = crrRequest(cookie, requestSize);
    this.responseSize = responseSize;
    this.timeoutMs = timeoutMs;
    this.onFailure = onFailure;
  }

  /** One transaction before START, not counted: the data port answers, with this test's cookie. */
  probe(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.transaction((outcome) => {
        if (outcome.ok) return resolve();
        if (outcome.code === 'EADDRNOTAVAIL') return reject(portExhaustionError(this.host, this.port, 0));
        const what = `cannot open the data connection to ${formatHostPort(this.host, this.port)}`;
        reject(
          outcome.code === 'timeout'
            ? new DataPathError(`${what}: not established within ${this.timeoutMs / 1000}s - is a firewall dropping it?`)
            : new DataPathError(`${what}: ${outcome.message} - is a firewall in the way?`),
        );
      });
    });
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.lastMadeAt = performance.now();
    this.next();
  }

  private next(): void {
    if (!this.running) return;
    this.counters.requestsSent++;
    const startedAt = performance.now();
    this.transaction((outcome) => {
      const now = performance.now();
      if (outcome.ok) {
        this.lastMadeAt = now;
        this.connections++;
        if (this.running) {
          this.latency.record(outcome.respondedAt - startedAt);
          this.counters.transactions++;
        }
        return this.next();
      }
      if (outcome.code === 'EADDRNOTAVAIL') return this.fail(portExhaustionError(this.host, this.port, this.connections));
      if (!this.running) return;
      this.counters.connectFailures++;
      if (now - this.lastMadeAt > this.timeoutMs) {
        return this.fail(allConnectsFailedError(this.host, this.port, this.timeoutMs, this.counters.connectFailures, outcome.message));
      }
      this.retryTimer = setTimeout(() => this.next(), CRR_RETRY_PAUSE_MS);
    });
  }

  /**
   * One connection: connect, cookie and request, the whole response, the
   * server's end. Calls `done` once, when the socket has closed.
   */
  private transaction(
    done: (outcome: { ok: true; respondedAt: number } | { ok: false; connected: boolean; code: string; message: string }) => void,
  ): void {
    let got = 0;
    let respondedAt = 0;
    let connected = false;
    let failure: { code: string; message: string } | null = null;
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    this.socket = socket;
    // Until connected: the connect timeout. After: the response's, as a data connection's silence.
    socket.setTimeout(this.timeoutMs, () => {
      failure ??= {
        code: 'timeout',
        message: connected ? `no response within ${this.timeoutMs / 1000}s` : `connect not done within ${this.timeoutMs / 1000}s`,
      };
      socket.destroy();
    });
    socket.once('connect', () => {
      connected = true;
      socket.write(this.message);
    });
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
      if (respondedAt === 0 && got >= this.responseSize) respondedAt = performance.now();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'error';
      failure ??= { code, message: `${connected ? 'read' : 'connect'} ${code}` };
      if (!connected && !CONNECT_FAILURES.has(code) && code !== 'EADDRNOTAVAIL') failure = { code, message: err.message };
    });
    socket.once('close', () => {
      if (this.socket === socket) this.socket = null;
      if (respondedAt > 0) return done({ ok: true, respondedAt });
      if (failure === null) failure = { code: 'EOF', message: 'the peer closed it before the whole response' };
      done({ ok: false, connected, ...failure });
    });
  }

  private fail(err: Error): void {
    this.running = false;
    this.onFailure(err);
  }

  /** Ends at once: a transaction still in flight is dropped, uncounted, so the server need not answer after STOP. */
  stop(): Promise<number> {
    const stoppedAt = performance.now();
    this.running = false;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.destroy();
    return Promise.resolve(stoppedAt);
  }

  close(): void {
    this.running = false;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.destroy();
  }
}

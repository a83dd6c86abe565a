import http from 'node:http';
import type net from 'node:net';
import { ListenError, type BenchError } from '../core/errors.js';
import { formatHostPort } from '../core/host-port.js';

/**
 * `bench serve --health-port`: a plain HTTP endpoint for service managers and
 * Kubernetes probes. It only reads the server's state: a probe never opens a
 * control connection, never joins the test queue and never delays a test.
 */
export interface HealthStatus {
  name: string;
  /** A test is running now (either role). */
  busy: boolean;
  /** Clients waiting in the queue. */
  waiting: number;
  tests_served: number;
}

export interface HealthEndpointOptions {
  host: string;
  port: number;
  status: () => HealthStatus;
}

export interface HealthEndpoint {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

const HEALTH_PATH = '/healthz';
/** A probe answers in microseconds; anything slower is a stuck or hostile client. */
const SOCKET_TIMEOUT_MS = 5000;
/** Probes come one at a time per kubelet; a few spare for a human with curl. */
const MAX_CONNECTIONS = 16;

export async function startHealthEndpoint(options: HealthEndpointOptions): Promise<HealthEndpoint> {
  const server = http.createServer(
    { requestTimeout: SOCKET_TIMEOUT_MS, headersTimeout: SOCKET_TIMEOUT_MS, keepAliveTimeout: SOCKET_TIMEOUT_MS },
    (req, res) => {
      // The path alone decides: a query string (some probes add one) does not make it another resource.
      const path = (req.url ?? '').split('?')[0];
      if (path === HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
        const s = options.status();
        const body = JSON.stringify({ status: 'ok', name: s.name, busy: s.busy, waiting: s.waiting, tests_served: s.tests_served });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      const body = JSON.stringify({ status: 'not found', path: HEALTH_PATH });
      res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
  );
  server.maxConnections = MAX_CONNECTIONS;
  // An idle or trickling socket is closed, so a client that never finishes cannot hold one of the few slots.
  server.setTimeout(SOCKET_TIMEOUT_MS, (socket: net.Socket) => socket.destroy());
  // A malformed request gets a 400 and its socket closed; it must never reach the process as an error.
  server.on('clientError', (_err, socket: net.Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(healthListenError(err, options.host, options.port)));
    server.listen({ host: options.host, port: options.port }, () => resolve());
  });
  const bound = server.address() as net.AddressInfo;
  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function healthListenError(err: NodeJS.ErrnoException, host: string, port: number): BenchError {
  const where = formatHostPort(host, port);
  if (err.code === 'EADDRINUSE')
    return new ListenError(`cannot listen for health probes on ${where}: the port is in use - pick another --health-port`, err);
  if (err.code === 'EACCES')
    return new ListenError(
      `cannot listen for health probes on ${where}: permission denied - ports below 1024 need root; pick another --health-port`,
      err,
    );
  return new ListenError(`cannot listen for health probes on ${where}: ${err.message}`, err);
}

import { DEFAULT_SERVER_LIMITS } from '../../core/defaults.js';
import { UsageError } from '../../core/errors.js';
import { parseTestName } from '../../core/resolve-params.js';
import { parseCount, parseDuration, parseRate, parseSize } from '../../core/units.js';
import { startBenchServer } from '../../server/bench-server.js';
import { DEFAULT_HANDSHAKE_LIMITS, type HandshakeLimits } from '../../server/handshake-guard.js';
import { createServerLog } from '../../server/server-log.js';

export interface ServeCommandOptions {
  host: string;
  port: string | number;
  timeout: string | number;
  maxQueue: string | number;
  tokenFile?: string;
  maxDuration: string | number;
  maxStreams: string | number;
  maxSize: string | number;
  maxRate: string | number;
  allow: string;
  jsonLog?: boolean;
  maxPending?: string | number;
  maxPendingPerAddress?: string | number;
  handshakeTimeout?: string | number;
}

/** `bench serve`: in the foreground until SIGINT or SIGTERM, fit for a service manager. */
export async function serveCommand(options: ServeCommandOptions): Promise<number> {
  const port = parseCount(options.port, 'port');
  const timeout_s = parseDuration(options.timeout, 'timeout');
  // Every wait of every test is bounded by this: at 0 the server would fail each client at once.
  if (timeout_s < 1) throw new UsageError(`timeout ${timeout_s}s is too short: use 1s or more`);
  const handshake = handshakeLimits(options);
  const log = createServerLog(Boolean(options.jsonLog));
  const auth = options.tokenFile
    ? await (await import('../../auth/token-auth.js')).createServerTokenAuth(options.tokenFile, (warning) => log.info('warning', { note: warning }))
    : null;
  const server = await startBenchServer({
    host: String(options.host),
    port,
    timeout_s,
    log,
    auth,
    handshake,
    limits: {
      max_queue: parseCount(options.maxQueue, 'max-queue'),
      max_duration_s: parseDuration(options.maxDuration, 'max-duration'),
      max_streams: parseCount(options.maxStreams, 'max-streams'),
      max_size_bytes: parseSize(options.maxSize, 'max-size'),
      max_rate_bps: parseRate(options.maxRate, 'max-rate'),
      allowed_tests: options.allow ? String(options.allow).split(',').map((t) => parseTestName(t.trim())) : DEFAULT_SERVER_LIMITS.allowed_tests,
    },
  });
  const { host, port: bound } = server.address;
  log.info('listening', { address: host.includes(':') ? `[${host}]:${bound}` : `${host}:${bound}`, auth: auth ? 'token' : 'none' });
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info('stopping', { signal, tests_served: server.testsServed });
      void server.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

function handshakeLimits(options: ServeCommandOptions): HandshakeLimits {
  const atLeastOne = (value: string | number | undefined, fallback: number, option: string): number => {
    if (value === undefined) return fallback;
    const n = parseCount(value, option);
    // At 0 every new connection would close the one before it, and no client could finish its handshake.
    if (n < 1) throw new UsageError(`--${option} ${n} would let no client in: use 1 or more`);
    return n;
  };
  const timeout_s = options.handshakeTimeout === undefined ? DEFAULT_HANDSHAKE_LIMITS.timeout_s : parseDuration(options.handshakeTimeout, 'handshake-timeout');
  if (timeout_s < 0.1) throw new UsageError(`--handshake-timeout ${timeout_s}s is too short for any client to finish: use 1s or more`);
  return {
    max_pending: atLeastOne(options.maxPending, DEFAULT_HANDSHAKE_LIMITS.max_pending, 'max-pending'),
    max_pending_per_address: atLeastOne(options.maxPendingPerAddress, DEFAULT_HANDSHAKE_LIMITS.max_pending_per_address, 'max-pending-per-address'),
    timeout_s,
  };
}

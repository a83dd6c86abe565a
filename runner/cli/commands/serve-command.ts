import {
  DEFAULT_LISTEN_HOST,
  DEFAULT_PORT,
  DEFAULT_SERVER_LIMITS,
  DEFAULT_TIMEOUT_S,
  MAX_TIMER_S,
  type ServerLimits,
} from '../../core/defaults.js';
import { UsageError } from '../../core/errors.js';
import { showValue, type ParamKind } from '../../core/params.js';
import { parseTestName } from '../../core/resolve-params.js';
import { parseCount, parseDuration, parseRate, parseSize } from '../../core/units.js';
import { startBenchServer } from '../../server/bench-server.js';
import { startHealthEndpoint } from '../../server/health-endpoint.js';
import type { RemoteClientRunner } from '../../server/remote-run.js';
import { DEFAULT_HANDSHAKE_LIMITS, type HandshakeLimits } from '../../server/handshake-guard.js';
import { createServerLog } from '../../server/server-log.js';
import { formatHostPort } from '../../core/host-port.js';

/** cac's options; an option not given is undefined and takes its default from core/defaults.ts. */
export interface ServeCommandOptions {
  host?: unknown;
  port?: unknown;
  timeout?: unknown;
  maxQueue?: unknown;
  tokenFile?: string;
  maxDuration?: unknown;
  maxStreams?: unknown;
  maxSize?: unknown;
  maxRate?: unknown;
  allow?: unknown;
  jsonLog?: boolean;
  allowRemote?: boolean;
  name?: string;
  maxPending?: string | number;
  maxPendingPerAddress?: string | number;
  handshakeTimeout?: string | number;
  healthPort?: string | number;
  ephemeralDataPorts?: boolean;
}

const PARSE: Record<'duration' | 'size' | 'rate' | 'count', (input: string | number, what: string) => number> = {
  duration: parseDuration,
  size: parseSize,
  rate: parseRate,
  count: parseCount,
};

/** One option's value in its unit, within [min, max]; the default when not given. */
function serveOption(
  value: unknown,
  name: string,
  kind: keyof typeof PARSE & ParamKind,
  fallback: number,
  min: number,
  max = Infinity,
  why = '',
): number {
  if (value === undefined) return fallback;
  if (Array.isArray(value))
    throw new UsageError(`--${name} is given ${value.length} times (${value.map(String).join(', ')}): give it once`);
  if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError(`--${name} needs a value`);
  const n = PARSE[kind](value, name);
  if (n < min) throw new UsageError(`${name} must be at least ${showValue({ kind }, min)}, not ${String(value)}${why ? `: ${why}` : ''}`);
  if (n > max) throw new UsageError(`${name} must be at most ${showValue({ kind }, max)}, not ${String(value)}`);
  return n;
}

/** The options in their units, each checked; the defaults of core/defaults.ts for those not given. */
export function readServeOptions(options: ServeCommandOptions): { host: string; port: number; timeout_s: number; limits: ServerLimits } {
  const port = serveOption(options.port, 'port', 'count', DEFAULT_PORT, 0, 65535);
  // Every wait of every test is bounded by this: at 0 the server would fail each client at once.
  const timeout_s = serveOption(
    options.timeout,
    'timeout',
    'duration',
    DEFAULT_TIMEOUT_S,
    1,
    MAX_TIMER_S,
    'a shorter one would declare a healthy peer dead',
  );
  const limits: ServerLimits = {
    max_queue: serveOption(options.maxQueue, 'max-queue', 'count', DEFAULT_SERVER_LIMITS.max_queue, 0),
    max_duration_s: serveOption(options.maxDuration, 'max-duration', 'duration', DEFAULT_SERVER_LIMITS.max_duration_s, 0.1, MAX_TIMER_S),
    max_streams: serveOption(
      options.maxStreams,
      'max-streams',
      'count',
      DEFAULT_SERVER_LIMITS.max_streams,
      1,
      Infinity,
      'at 0 every test would be refused',
    ),
    max_size_bytes: serveOption(options.maxSize, 'max-size', 'size', DEFAULT_SERVER_LIMITS.max_size_bytes, 1),
    max_rate_bps: serveOption(options.maxRate, 'max-rate', 'rate', DEFAULT_SERVER_LIMITS.max_rate_bps, 0),
    allowed_tests:
      options.allow === undefined
        ? DEFAULT_SERVER_LIMITS.allowed_tests
        : String(options.allow)
            .split(',')
            .map((t) => parseTestName(t.trim())),
  };
  return { host: options.host === undefined ? DEFAULT_LISTEN_HOST : String(options.host), port, timeout_s, limits };
}

/** `bench serve`: in the foreground until SIGINT or SIGTERM, fit for a service manager. */
export async function serveCommand(options: ServeCommandOptions): Promise<number> {
  const { host, port, timeout_s, limits } = readServeOptions(options);
  const handshake = handshakeLimits(options);
  const log = createServerLog(Boolean(options.jsonLog));
  const auth = options.tokenFile
    ? await (await import('../../auth/token-auth.js')).createServerTokenAuth(options.tokenFile, (warning) =>
        log.info('warning', { note: warning }),
      )
    : null;
  if (options.allowRemote && !options.tokenFile) {
    throw new UsageError('--allow-remote needs --token-file: only an orchestrator holding the token may make this server send traffic');
  }
  const name = options.name === undefined ? undefined : String(options.name).trim();
  if (name !== undefined && !/^[A-Za-z0-9._:-]{1,253}$/.test(name)) {
    throw new UsageError(
      `--name '${name}' must be 1 to 253 letters, digits, dots, dashes, underscores or colons (a host name, a node name)`,
    );
  }
  // Checked before anything listens, so a bad value never leaves a server running.
  const healthPort = options.healthPort === undefined ? null : serveOption(options.healthPort, 'health-port', 'count', 0, 0, 65535);
  const remote = options.allowRemote ? await remoteClientRunner(options.tokenFile) : null;
  const one_port = !options.ephemeralDataPorts;
  const server = await startBenchServer({ host, port, timeout_s, log, auth, limits, name, remote, handshake, one_port });
  const { host: listening, port: bound } = server.address;
  // Probes read the server's state over HTTP, never through the control port or the queue.
  const health =
    healthPort === null
      ? null
      : await startHealthEndpoint({
          host,
          port: healthPort,
          status: () => ({ name: server.name, busy: server.busy, waiting: server.waiting, tests_served: server.testsServed }),
        }).catch(async (err: unknown) => {
          await server.close();
          throw err;
        });
  log.info('listening', {
    address: formatHostPort(listening, bound),
    ...(health ? { health: formatHostPort(health.address.host, health.address.port) } : {}),
    auth: auth ? 'token' : 'none',
    remote: remote ? 'allowed' : 'refused',
    // What a firewall in front of this server must let through.
    data: one_port ? `tcp+udp/${bound}` : 'ephemeral-ports',
    ...(name ? { name } : {}),
  });
  await new Promise<void>((resolve) => {
    let stopped = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopped) {
        // A second signal: the operator wants it gone now, whatever is still closing.
        log.info('stopped', { signal, note: 'second signal: exiting at once' });
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stopped = true;
      log.info('stopping', { signal, tests_served: server.testsServed });
      void Promise.all([server.close(`stopping (${signal})`), health?.close()]).then(() => resolve());
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  // Everything is closed; a data thread still inside a system call could keep the process up past a
  // service manager's patience, so exit anyway once it has had its grace (unref: no wait when nothing is left).
  setTimeout(() => {
    log.info('stopped', { note: `a data thread was still busy ${STOP_GRACE_MS / 1000}s after the stop: exiting without it` });
    process.exit(0);
  }, STOP_GRACE_MS).unref();
  return 0;
}

/** How long `bench serve` may take to wind down after its listeners close, before it exits regardless. */
const STOP_GRACE_MS = 5000;

/**
 * What this server runs as a client for an orchestrator: the same runTest as
 * `bench test`, authenticating to the target with this server's own token.
 */
async function remoteClientRunner(tokenFile: string | undefined): Promise<RemoteClientRunner> {
  const { runTest } = await import('../../client/run-test.js');
  return ({ params, to, signal, onEvent }) =>
    runTest({ params, peer: { host: to.host, port: to.port, token_file: tokenFile }, signal, onEvent });
}

function handshakeLimits(options: ServeCommandOptions): HandshakeLimits {
  const atLeastOne = (value: string | number | undefined, fallback: number, option: string): number => {
    if (value === undefined) return fallback;
    const n = parseCount(value, option);
    // At 0 every new connection would close the one before it, and no client could finish its handshake.
    if (n < 1) throw new UsageError(`--${option} ${n} would let no client in: use 1 or more`);
    return n;
  };
  const timeout_s =
    options.handshakeTimeout === undefined
      ? DEFAULT_HANDSHAKE_LIMITS.timeout_s
      : parseDuration(options.handshakeTimeout, 'handshake-timeout');
  if (timeout_s < 0.1) throw new UsageError(`--handshake-timeout ${timeout_s}s is too short for any client to finish: use 1s or more`);
  return {
    max_pending: atLeastOne(options.maxPending, DEFAULT_HANDSHAKE_LIMITS.max_pending, 'max-pending'),
    max_pending_per_address: atLeastOne(
      options.maxPendingPerAddress,
      DEFAULT_HANDSHAKE_LIMITS.max_pending_per_address,
      'max-pending-per-address',
    ),
    timeout_s,
  };
}

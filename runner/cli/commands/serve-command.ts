import { DEFAULT_SERVER_LIMITS } from '../../core/defaults.js';
import { UsageError } from '../../core/errors.js';
import { parseTestName } from '../../core/resolve-params.js';
import { parseCount, parseDuration, parseRate, parseSize } from '../../core/units.js';
import { startBenchServer } from '../../server/bench-server.js';
import { startHealthEndpoint } from '../../server/health-endpoint.js';
import type { RemoteClientRunner } from '../../server/remote-run.js';
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
  allowRemote?: boolean;
  name?: string;
  healthPort?: string | number;
}

/** `bench serve`: in the foreground until SIGINT or SIGTERM, fit for a service manager. */
export async function serveCommand(options: ServeCommandOptions): Promise<number> {
  const port = parseCount(options.port, 'port');
  const timeout_s = parseDuration(options.timeout, 'timeout');
  // Every wait of every test is bounded by this: at 0 the server would fail each client at once.
  if (timeout_s < 1) throw new UsageError(`timeout ${timeout_s}s is too short: use 1s or more`);
  const log = createServerLog(Boolean(options.jsonLog));
  const auth = options.tokenFile ? await (await import('../../auth/token-auth.js')).createServerTokenAuth(options.tokenFile) : null;
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
  const healthPort = options.healthPort === undefined ? null : parseCount(options.healthPort, 'health-port');
  const remote = options.allowRemote ? await remoteClientRunner(options.tokenFile) : null;
  const server = await startBenchServer({
    host: String(options.host),
    port,
    timeout_s,
    log,
    auth,
    name,
    remote,
    limits: {
      max_queue: parseCount(options.maxQueue, 'max-queue'),
      max_duration_s: parseDuration(options.maxDuration, 'max-duration'),
      max_streams: parseCount(options.maxStreams, 'max-streams'),
      max_size_bytes: parseSize(options.maxSize, 'max-size'),
      max_rate_bps: parseRate(options.maxRate, 'max-rate'),
      allowed_tests: options.allow
        ? String(options.allow)
            .split(',')
            .map((t) => parseTestName(t.trim()))
        : DEFAULT_SERVER_LIMITS.allowed_tests,
    },
  });
  const { host, port: bound } = server.address;
  // Probes read the server's state over HTTP, never through the control port or the queue.
  const health =
    healthPort === null
      ? null
      : await startHealthEndpoint({
          host: String(options.host),
          port: healthPort,
          status: () => ({ name: server.name, busy: server.busy, waiting: server.waiting, tests_served: server.testsServed }),
        }).catch(async (err: unknown) => {
          await server.close();
          throw err;
        });
  log.info('listening', {
    address: host.includes(':') ? `[${host}]:${bound}` : `${host}:${bound}`,
    ...(health
      ? { health: `${health.address.host.includes(':') ? `[${health.address.host}]` : health.address.host}:${health.address.port}` }
      : {}),
    auth: auth ? 'token' : 'none',
    remote: remote ? 'allowed' : 'refused',
    ...(name ? { name } : {}),
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info('stopping', { signal, tests_served: server.testsServed });
      void Promise.all([server.close(), health?.close()]).then(() => resolve());
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

/**
 * What this server runs as a client for an orchestrator: the same runTest as
 * `bench test`, authenticating to the target with this server's own token.
 */
async function remoteClientRunner(tokenFile: string | undefined): Promise<RemoteClientRunner> {
  const { runTest } = await import('../../client/run-test.js');
  return ({ params, to, signal, onEvent }) =>
    runTest({ params, peer: { host: to.host, port: to.port, token_file: tokenFile }, signal, onEvent });
}

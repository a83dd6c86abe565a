import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunObject } from '../../runner/core/run-object.js';
import type { TestName } from '../../runner/core/test-params.js';
import { waitForListening, type Host, type Launcher } from './host.js';
import { showArgv, tail, type RunningProcess } from './processes.js';

/**
 * Our own tool, driven exactly as a user drives it: the built CLI, `bench
 * serve` as its own process and `bench test ... --json` printing one run object.
 */

/** dist/runner/cli/main.js, from dist/test/netns/. */
export const BENCH_CLI = fileURLToPath(new URL('../../runner/cli/main.js', import.meta.url));

/** A reason to skip when the CLI is not built, or undefined. */
export function benchCliMissing(): string | undefined {
  return existsSync(BENCH_CLI) ? undefined : `${BENCH_CLI} is not built; run 'npm run build' (tsc -p .) first`;
}

export function benchServeArgv(address: string, port: number): string[] {
  return [process.execPath, BENCH_CLI, 'serve', '--host', address, '--port', String(port)];
}

export interface BenchTestOptions {
  test: TestName;
  /** host:port of a `bench serve`, IPv6 in brackets (see hostPort). */
  peer: string;
  duration_s: number;
  omit_s?: number;
  interval_s?: number;
  size_bytes?: number;
  request_size_bytes?: number;
  response_size_bytes?: number;
  /** UDP_STREAM pacing in our rate syntax, such as 50M. */
  rate?: string;
  streams?: number;
}

export function benchTestArgv(o: BenchTestOptions): string[] {
  const argv = [process.execPath, BENCH_CLI, 'test', o.test, '--peer', o.peer, '--duration', `${o.duration_s}s`, '--json'];
  if (o.omit_s !== undefined) argv.push('--omit', `${o.omit_s}s`);
  if (o.interval_s !== undefined) argv.push('--interval', `${o.interval_s}s`);
  if (o.size_bytes !== undefined) argv.push('--size', String(o.size_bytes));
  if (o.request_size_bytes !== undefined) argv.push('--request-size', String(o.request_size_bytes));
  if (o.response_size_bytes !== undefined) argv.push('--response-size', String(o.response_size_bytes));
  if (o.rate !== undefined) argv.push('--rate', o.rate);
  if (o.streams !== undefined) argv.push('--streams', String(o.streams));
  return argv;
}

/** Reads the run object `bench test --json` printed; a failed run is an error carrying its own message. */
export function parseRunObject(stdout: string, stderr: string, what: string): RunObject {
  let run: RunObject;
  try {
    run = JSON.parse(stdout) as RunObject;
  } catch {
    throw new Error(
      `${what}: did not print one JSON run object on stdout; stdout: ${stdout.slice(0, 300) || '(empty)'}; stderr:\n${tail(stderr)}`,
    );
  }
  if (run.status !== 'ok' || !run.summary) {
    throw new Error(
      `${what}: run ${run.status}: ${run.error ? `${run.error.code}: ${run.error.message}` : 'no summary'}; stderr:\n${tail(stderr)}`,
    );
  }
  return run;
}

/** Starts `bench serve` on `host` and waits until it listens. */
export async function startBenchServer(launcher: Launcher, host: Host, port: number): Promise<RunningProcess> {
  const server = launcher.start(host, benchServeArgv(host.address, port));
  await waitForListening(host, 'tcp', port, server);
  return server;
}

/** Runs `bench test` on `host` to completion and returns its run object. */
export async function runBenchTest(launcher: Launcher, host: Host, options: BenchTestOptions): Promise<RunObject> {
  const argv = benchTestArgv(options);
  const r = await launcher.run(host, argv, { timeoutMs: (options.duration_s + 30) * 1000, check: false });
  return parseRunObject(r.stdout, r.stderr, `'${showArgv(argv)}' on ${host.name} (exit ${r.code})`);
}

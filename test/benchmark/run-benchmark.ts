import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, hostname, loadavg, release } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCliMissing } from '../netns/bench-cli.js';
import { LoopbackLauncher, loopbackHost } from '../netns/host.js';
import { runCommand, tail } from '../netns/processes.js';
import { BENCHMARK_USAGE, BenchmarkUsageError, parseBenchmarkOptions, type BenchmarkOptions } from './benchmark-options.js';
import { compare, formatReport, summarizeSide, type BenchmarkReport, type ComparisonResult } from './benchmark-report.js';
import { buildComparisons, type Comparison, type Sample } from './comparisons.js';
import { ensurePeerTools } from './ensure-tools.js';
import { readMemoryKb } from './proc-stats.js';
import { startBenchmarkServers } from './servers.js';

/**
 * `npm run bench`: ours against iperf3 and sockperf on loopback, alternating
 * ours, peer, ours, peer so that drift on a shared machine hits both alike.
 * Prints a table and writes test-artifacts/benchmark.json. Speed goals live
 * here, never in `npm test`.
 */

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEFAULT_OUT = resolve(PACKAGE_ROOT, 'test-artifacts/benchmark.json');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const parsed = parseBenchmarkOptions(process.argv.slice(2), DEFAULT_OUT);
  if (parsed === 'help') {
    log(BENCHMARK_USAGE);
    return 0;
  }
  const options = parsed;
  const notBuilt = benchCliMissing();
  if (notBuilt) throw new Error(notBuilt);
  await ensurePeerTools(log);

  const loadBefore = loadavg()[0];
  const launcher = new LoopbackLauncher();
  const results: ComparisonResult[] = [];
  const serverPeaks: Record<string, number> = {};
  const serverErrors: string[] = [];
  try {
    const servers = await startBenchmarkServers(launcher);
    const chosen = buildComparisons(servers, options.duration_s).filter((c) => !options.only || options.only.includes(c.test));
    if (chosen.length === 0)
      throw new Error(
        `--only ${options.only?.join(',')} names no test; use TCP_STREAM, UDP_STREAM, TCP_RR, UDP_RR or TCP_CRR (RRUL is not benchmarked: no peer tool measures it)`,
      );
    for (const comparison of chosen) results.push(await runComparison(comparison, options));
    // VmHWM of the servers, read while they still run: each one's peak over the whole benchmark.
    for (const server of Object.values(servers)) {
      try {
        serverPeaks[server.name] = readMemoryKb(server.process.pid).peak_rss_kb;
      } catch {
        serverErrors.push(
          `${server.process.describe()} exited during the benchmark:\n${tail(server.process.stderr + server.process.stdout)}`,
        );
      }
    }
  } finally {
    await launcher.stopAll();
  }

  const report: BenchmarkReport = {
    generated_at: new Date().toISOString(),
    machine: await describeMachine(),
    settings: {
      duration_s: options.duration_s,
      rounds: options.rounds,
      order: 'ours then peer, each round',
      address: loopbackHost.address,
    },
    results,
    ...(results.some((r) => r.peer_tool === null)
      ? {
          no_peer:
            'TCP_CRR: no tool on this machine opens a connection per transaction (netperf is not installed): ours is reported alone, with its CPU per connection',
        }
      : {}),
    load_average: { before: loadBefore, after: loadavg()[0] },
    server_peak_rss_kb: serverPeaks,
    server_errors: serverErrors,
  };
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${formatReport(report)}\n`);
  log(`wrote ${options.out}`);

  if (serverErrors.length > 0 || results.some((r) => r.errors.length > 0)) return 1;
  if (options.strict && results.some((r) => r.meets_goal === false)) return 3;
  return 0;
}

async function runComparison(c: Comparison, options: BenchmarkOptions): Promise<ComparisonResult> {
  const ours: Sample[] = [];
  const peer: Sample[] = [];
  const errors: string[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const sides: Array<readonly [string, () => Promise<Sample>, Sample[]]> = [['ours', c.ours, ours]];
    if (c.peer_tool !== null && c.peer !== null) sides.push([c.peer_tool, c.peer, peer]);
    for (const [name, run, into] of sides) {
      try {
        const sample = await run();
        into.push(sample);
        log(`${c.test} round ${round}/${options.rounds} ${name}: ${sample.value.toFixed(1)} ${c.unit}`);
      } catch (err) {
        const message = (err as Error).message;
        errors.push(`${name}, round ${round}: ${message}`);
        log(`${c.test} round ${round}/${options.rounds} ${name} FAILED: ${message}`);
      }
    }
  }
  const oursSide = summarizeSide('ours', c.ours_command, ours);
  const peerSide = c.peer_tool === null ? null : summarizeSide(c.peer_tool, c.peer_command, peer);
  return {
    test: c.test,
    peer_tool: c.peer_tool,
    figure: c.figure,
    unit: c.unit,
    goal: c.goal,
    ours: oursSide,
    peer: peerSide,
    ...compare(oursSide, peerSide, c.goal),
    errors,
  };
}

async function describeMachine(): Promise<BenchmarkReport['machine']> {
  const version = async (argv: string[]): Promise<string> => {
    const r = await runCommand(argv, { timeoutMs: 5000, check: false });
    return (
      (r.stdout + r.stderr)
        .split('\n')
        .find((l) => l.trim() !== '')
        ?.trim() ?? 'unknown'
    );
  };
  return {
    hostname: hostname(),
    kernel: release(),
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    iperf3: await version(['iperf3', '--version']),
    sockperf: await version(['sockperf', '--version']),
  };
}

// `node --test dist/test/` runs every .js under a test/ folder, this one included;
// the benchmark is not a test, so under the test runner it only reports a skip.
if (process.env.NODE_TEST_CONTEXT !== undefined) {
  const { test } = await import('node:test');
  test('benchmark', { skip: 'the benchmark runs with npm run bench, not npm test' }, () => undefined);
} else {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      log(`benchmark: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = err instanceof BenchmarkUsageError ? 2 : 1;
    },
  );
}

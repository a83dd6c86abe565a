import type { TestName } from '../../runner/core/test-params.js';
import type { Sample } from './comparisons.js';

/** What test-artifacts/benchmark.json holds, and the table printed from it. */

export interface SideResult {
  tool: string;
  command: string;
  samples: Sample[];
  /** Median of the samples' values. */
  median: number;
  /** TCP_CRR only: median over rounds of CPU microseconds per connection, both processes' threads. */
  client_cpu_us_per_connection?: number;
  server_cpu_us_per_connection?: number;
  /** STREAM only: median over rounds of CPU seconds per 10^9 bytes received. */
  client_cpu_s_per_gb?: number;
  server_cpu_s_per_gb?: number;
  /** Largest VmHWM of the client process over the rounds. */
  client_peak_rss_kb: number;
}

export interface ComparisonResult {
  test: TestName;
  /** null: no peer tool measures this on the machine; ours stands alone. */
  peer_tool?: string | null;
  figure: string;
  unit: string;
  goal: number;
  ours: SideResult | null;
  peer: SideResult | null;
  /** Median ours / median peer. */
  ratio: number | null;
  meets_goal: boolean | null;
  errors: string[];
}

export interface BenchmarkReport {
  generated_at: string;
  machine: { hostname: string; kernel: string; cpus: number; cpu_model: string; node: string; iperf3: string; sockperf: string };
  settings: { duration_s: number; rounds: number; order: string; address: string };
  results: ComparisonResult[];
  /** Why a test has no peer, when one has none. */
  no_peer?: string;
  /** 1-minute load average before and after: other work on a shared machine skews every figure. */
  load_average: { before: number; after: number };
  /** VmHWM of each long-running server at the end of the benchmark. */
  server_peak_rss_kb: Record<string, number>;
  /** Servers that died before the end, with their last output. */
  server_errors: string[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarizeSide(tool: string, command: string, samples: Sample[]): SideResult | null {
  if (samples.length === 0) return null;
  const side: SideResult = {
    tool,
    command,
    samples,
    median: median(samples.map((s) => s.value)),
    client_peak_rss_kb: Math.max(...samples.map((s) => s.client_peak_rss_kb)),
  };
  const moved = samples.filter((s) => (s.bytes_received ?? 0) > 0);
  if (moved.length > 0) {
    side.client_cpu_s_per_gb = median(moved.map((s) => s.client_cpu_s / (s.bytes_received! / 1e9)));
    side.server_cpu_s_per_gb = median(moved.map((s) => s.server_cpu_s / (s.bytes_received! / 1e9)));
  }
  const connected = samples.filter((s) => (s.connections ?? 0) > 0);
  if (connected.length > 0) {
    side.client_cpu_us_per_connection = median(connected.map((s) => (s.client_cpu_s * 1e6) / s.connections!));
    side.server_cpu_us_per_connection = median(connected.map((s) => (s.server_cpu_s * 1e6) / s.connections!));
  }
  return side;
}

export function compare(ours: SideResult | null, peer: SideResult | null, goal: number): Pick<ComparisonResult, 'ratio' | 'meets_goal'> {
  if (!ours || !peer || peer.median <= 0) return { ratio: null, meets_goal: null };
  const ratio = ours.median / peer.median;
  return { ratio, meets_goal: ratio >= goal };
}

export function formatReport(report: BenchmarkReport): string {
  const main = table(
    ['test', 'figure', 'ours', 'peer', 'ratio ours/peer', 'goal', ''],
    report.results.map((r) => [
      r.test,
      r.figure,
      r.ours ? `${figure(r.ours.median)} ${r.unit}${spread(r.ours)}` : 'failed',
      r.peer ? `${figure(r.peer.median)} ${r.unit}${spread(r.peer)} (${r.peer.tool})` : r.peer_tool === null ? 'no peer tool' : 'failed',
      r.ratio === null ? '-' : r.ratio.toFixed(2),
      r.peer_tool === null ? '-' : `>= ${r.goal}`,
      r.peer_tool === null ? 'ours alone' : r.meets_goal === null ? 'no result' : r.meets_goal ? 'meets goal' : 'BELOW GOAL',
    ]),
  );
  const resources = table(
    ['test', 'tool', 'client CPU s/GB', 'server CPU s/GB', 'client CPU µs/conn', 'server CPU µs/conn', 'client peak RSS'],
    report.results.flatMap((r) =>
      [r.ours && (['ours', r.ours] as const), r.peer && ([r.peer.tool, r.peer] as const)]
        .filter((x): x is readonly [string, SideResult] => Boolean(x))
        .map(([tool, side]) => [
          r.test,
          tool,
          side.client_cpu_s_per_gb === undefined ? '-' : side.client_cpu_s_per_gb.toFixed(2),
          side.server_cpu_s_per_gb === undefined ? '-' : side.server_cpu_s_per_gb.toFixed(2),
          side.client_cpu_us_per_connection === undefined ? '-' : side.client_cpu_us_per_connection.toFixed(1),
          side.server_cpu_us_per_connection === undefined ? '-' : side.server_cpu_us_per_connection.toFixed(1),
          mib(side.client_peak_rss_kb),
        ]),
    ),
  );
  const servers = Object.entries(report.server_peak_rss_kb)
    .map(([name, kb]) => `${name} ${mib(kb)}`)
    .join(', ');
  const paths = [...new Set(report.results.flatMap((r) => r.ours?.samples.map((s) => `${r.test} ${s.data_path}`) ?? []))];
  const errors = [...report.results.flatMap((r) => r.errors.map((e) => `${r.test}: ${e}`)), ...report.server_errors];
  return [
    `bench vs peer tools on loopback: ${report.settings.rounds} round(s) of ${report.settings.duration_s} s each, ${report.settings.order}; medians [min-max]`,
    `machine: ${report.machine.cpus} x ${report.machine.cpu_model}, Linux ${report.machine.kernel}, Node ${report.machine.node}; load average ${report.load_average.before.toFixed(2)} before, ${report.load_average.after.toFixed(2)} after`,
    main,
    `ours ran on the data path (client/server): ${paths.join(', ')}`,
    '',
    'resources (CPU: utime+stime from /proc/<pid>/stat per GB received or per TCP_CRR connection, median over rounds; RSS: VmHWM)',
    ...(report.no_peer ? [report.no_peer] : []),
    resources,
    `server peak RSS at the end: ${servers}`,
    ...(errors.length > 0 ? ['', 'errors:', ...errors] : []),
  ].join('\n');
}

function figure(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

/** The range over rounds, so a reader sees how noisy the machine was. */
function spread(side: SideResult): string {
  if (side.samples.length < 2) return '';
  const values = side.samples.map((s) => s.value);
  return ` [${figure(Math.min(...values))}-${figure(Math.max(...values))}]`;
}

function mib(kb: number): string {
  return `${(kb / 1024).toFixed(1)} MiB`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

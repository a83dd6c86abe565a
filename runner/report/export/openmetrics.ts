import type { ResultsFile, RunGroup } from '../../core/results-file.js';
import type { RunObject } from '../../core/run-object.js';
import { isRrFigures } from '../../core/run-object.js';
import { formatHostPort } from '../../core/host-port.js';

/**
 * Prometheus metrics for a scenario's results: one series per expanded run
 * (its repeats combined), names with the `bench_` prefix and base units
 * (seconds, bytes per second, ratios), labels for scenario, test, from, to,
 * the run's label and its swept values; never the run id, so a series keeps
 * its identity from one scheduled run to the next.
 *
 * Gauges hold the mean across the repeats that counted. RR latency is a real
 * histogram: cumulative bucket counts over the round trips of every repeat,
 * from the run objects' `latency_buckets` (HDR histogram, read at fixed
 * bounds). Runs written before those buckets existed give a summary of
 * quantiles instead.
 *
 * `openmetrics` ends with `# EOF` and carries `# UNIT`; `prometheus` is the
 * text exposition format 0.0.4 that a Pushgateway takes.
 */
export type MetricsFormat = 'openmetrics' | 'prometheus';

interface FigureMetric {
  name: string;
  help: string;
  unit?: string;
  /** Multiplier from the figure's unit to the metric's base unit. */
  scale: number;
}

/** The catalogued figures as metrics; latency_us.* become the histogram below. */
const FIGURE_METRICS: Readonly<Record<string, FigureMetric>> = {
  // Prometheus' base unit for data is the byte (promtool refuses bits): 1 Mbit/s is 125,000 bytes per second.
  throughput_mbps: {
    name: 'bench_throughput_bytes_per_second',
    help: 'Bytes the receiver got per second of its measured time.',
    unit: 'bytes_per_second',
    scale: 1e6 / 8,
  },
  sender_mbps: {
    name: 'bench_sender_throughput_bytes_per_second',
    help: 'Bytes the sender handed to its kernel per second.',
    unit: 'bytes_per_second',
    scale: 1e6 / 8,
  },
  upload_mbps: {
    name: 'bench_upload_throughput_bytes_per_second',
    help: 'bidir: bytes the server received from the client per second.',
    unit: 'bytes_per_second',
    scale: 1e6 / 8,
  },
  download_mbps: {
    name: 'bench_download_throughput_bytes_per_second',
    help: 'bidir: bytes the client received from the server per second.',
    unit: 'bytes_per_second',
    scale: 1e6 / 8,
  },
  upload_loss_percent: { name: 'bench_upload_loss_ratio', help: 'bidir UDP: datagrams lost client to server.', unit: 'ratio', scale: 0.01 },
  download_loss_percent: {
    name: 'bench_download_loss_ratio',
    help: 'bidir UDP: datagrams lost server to client.',
    unit: 'ratio',
    scale: 0.01,
  },
  connect_failures: {
    name: 'bench_connect_failures',
    help: 'TCP_CRR connections that failed, not made or ended before the response.',
    scale: 1,
  },
  transactions_per_sec: { name: 'bench_transactions_per_second', help: 'Request-response transactions completed per second.', scale: 1 },
  loss_percent: {
    name: 'bench_loss_ratio',
    help: 'Datagrams (or RR requests) sent and never received, as a fraction of those sent.',
    unit: 'ratio',
    scale: 0.01,
  },
  jitter_ms: { name: 'bench_jitter_seconds', help: 'RFC 3550 interarrival jitter at the receiver.', unit: 'seconds', scale: 1e-3 },
  bytes_sent: { name: 'bench_sent_bytes', help: 'Bytes the sender sent after the omitted period.', unit: 'bytes', scale: 1 },
  bytes_received: { name: 'bench_received_bytes', help: 'Bytes the receiver got after the omitted period.', unit: 'bytes', scale: 1 },
  packets_sent: { name: 'bench_sent_datagrams', help: 'UDP datagrams sent.', scale: 1 },
  packets_received: { name: 'bench_received_datagrams', help: 'Distinct UDP datagrams received.', scale: 1 },
  packets_lost: { name: 'bench_lost_datagrams', help: 'UDP datagrams sent and never received.', scale: 1 },
  out_of_order: { name: 'bench_out_of_order_datagrams', help: 'UDP datagrams that arrived after a later one.', scale: 1 },
  duplicates: { name: 'bench_duplicate_datagrams', help: 'UDP datagrams received more than once.', scale: 1 },
  transactions: { name: 'bench_transactions', help: 'Request-response transactions completed.', scale: 1 },
  requests_sent: { name: 'bench_sent_requests', help: 'RR requests sent.', scale: 1 },
  lost: { name: 'bench_lost_requests', help: 'RR requests given up on (no reply within the retransmission timeout).', scale: 1 },
  late_replies: { name: 'bench_late_replies', help: 'RR replies that arrived after their request was given up on.', scale: 1 },
};

const LATENCY = 'bench_rr_latency_seconds';
const QUANTILES: Array<[string, keyof import('../../core/run-object.js').LatencySummary]> = [
  ['0.5', 'p50'],
  ['0.9', 'p90'],
  ['0.99', 'p99'],
  ['0.999', 'p999'],
];

/** What the metrics are made of: a results file, or the runs of one expanded run so far (bench run --push). */
export type MetricsSource = Pick<ResultsFile, 'groups' | 'runs'> & { scenario: { name: string } };

export function renderMetrics(results: MetricsSource, format: MetricsFormat = 'openmetrics'): string {
  const families = new Map<string, { help: string; type: string; unit?: string; samples: string[] }>();
  const family = (name: string, type: string, help: string, unit?: string) => {
    const known = families.get(name);
    if (known) return known;
    const f = { help, type, unit, samples: [] as string[] };
    families.set(name, f);
    return f;
  };

  for (const group of results.groups) {
    const runs = results.runs.filter((r) => (r.label ?? r.test) === group.label);
    const labels = groupLabels(results, group, runs);

    family('bench_runs', 'gauge', 'Repeats of this run that were made.').samples.push(sample('bench_runs', labels, runs.length));
    family('bench_failed_runs', 'gauge', 'Repeats of this run that failed or were interrupted.').samples.push(
      sample('bench_failed_runs', labels, runs.filter((r) => r.status !== 'ok' || r.interrupted === true).length),
    );

    for (const [figure, stats] of Object.entries(group.figures)) {
      const metric = FIGURE_METRICS[figure];
      if (!metric || !Number.isFinite(stats.mean)) continue;
      family(metric.name, 'gauge', metric.help, metric.unit).samples.push(sample(metric.name, labels, stats.mean * metric.scale));
    }

    const counted = runs.filter((r) => r.status === 'ok' && r.interrupted !== true && r.summary !== null && isRrFigures(r.summary));
    if (counted.length === 0) continue;
    const histogram = mergedBuckets(counted);
    const help = 'Round trip of one request and its response, timed by the client.';
    if (histogram) {
      const f = family(LATENCY, 'histogram', help, 'seconds');
      for (const [le, count] of histogram.buckets) f.samples.push(sample(`${LATENCY}_bucket`, { ...labels, le: number(le) }, count));
      f.samples.push(sample(`${LATENCY}_bucket`, { ...labels, le: '+Inf' }, histogram.count));
      f.samples.push(sample(`${LATENCY}_count`, labels, histogram.count));
      f.samples.push(sample(`${LATENCY}_sum`, labels, histogram.sum));
    } else {
      // Older results hold percentiles only: say what they are, a summary, not a histogram made up from them.
      const f = family(LATENCY, 'summary', help, 'seconds');
      const last = counted[counted.length - 1].summary;
      if (!last || !isRrFigures(last)) continue;
      for (const [q, key] of QUANTILES) f.samples.push(sample(LATENCY, { ...labels, quantile: q }, last.latency_us[key] * 1e-6));
      f.samples.push(sample(`${LATENCY}_count`, labels, last.transactions));
      f.samples.push(sample(`${LATENCY}_sum`, labels, last.latency_us.mean * 1e-6 * last.transactions));
    }
  }

  const lines: string[] = [];
  for (const [name, f] of families) {
    lines.push(`# HELP ${name} ${f.help}`);
    lines.push(`# TYPE ${name} ${f.type}`);
    if (f.unit && format === 'openmetrics') lines.push(`# UNIT ${name} ${f.unit}`);
    lines.push(...f.samples);
  }
  if (format === 'openmetrics') lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/** Labels that name one expanded run: stable across scheduled runs of the same scenario. */
function groupLabels(results: MetricsSource, group: RunGroup, runs: readonly RunObject[]): Record<string, string> {
  const labels: Record<string, string> = {
    scenario: results.scenario.name,
    test: group.test,
    from: 'local',
    to: runs[0] ? peerText(runs[0]) : group.peer,
    label: group.label,
  };
  for (const [key, value] of Object.entries(group.sweep)) {
    const name = labelName(key);
    if (!(name in labels)) labels[name] = String(value);
  }
  return labels;
}

interface MergedHistogram {
  /** Cumulative count at each upper bound, in seconds. */
  buckets: Array<[number, number]>;
  count: number;
  sum: number;
}

/** Sums the repeats' cumulative buckets, which share bounds by construction; null where a repeat has none. */
function mergedBuckets(runs: readonly RunObject[]): MergedHistogram | null {
  const merged = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const run of runs) {
    const summary = run.summary as { transactions: number; latency_us: { mean: number } };
    const b = run.latency_buckets;
    if (!b || b.le_us.length !== b.counts.length) return null;
    b.le_us.forEach((le, i) => {
      merged.set(le, (merged.get(le) ?? 0) + b.counts[i]);
    });
    count += summary.transactions;
    sum += summary.latency_us.mean * 1e-6 * summary.transactions;
  }
  const buckets = [...merged.entries()].sort(([a], [b]) => a - b).map(([le, c]): [number, number] => [le * 1e-6, c]);
  return { buckets, count, sum };
}

function peerText(run: RunObject): string {
  if (run.peer.embedded) return 'embedded';
  return formatHostPort(run.peer.host, run.peer.port);
}

function labelName(key: string): string {
  const name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[a-zA-Z_]/.test(name) && !name.startsWith('__') ? name : `sweep_${name.replace(/^_+/, '')}`;
}

function sample(name: string, labels: Record<string, string>, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return `${name}{${pairs.join(',')}} ${number(value)}`;
}

/** Label values escape backslash, double quote and line feed (the exposition formats' rule); other controls are dropped. */
function escapeLabelValue(value: string): string {
  return value
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, '')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n');
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

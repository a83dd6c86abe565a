import type { TestName } from '../core/test-params.js';

/**
 * The summary figures each test produces (runner/core/run-object.ts), by the
 * dotted name expectations and reports use, and which way is better.
 */
export type Better = 'higher' | 'lower';

const STREAM: Record<string, Better> = {
  throughput_mbps: 'higher',
  sender_mbps: 'higher',
  bytes_sent: 'higher',
  bytes_received: 'higher',
};

const UDP_STREAM: Record<string, Better> = {
  ...STREAM,
  packets_sent: 'higher',
  packets_received: 'higher',
  packets_lost: 'lower',
  loss_percent: 'lower',
  out_of_order: 'lower',
  duplicates: 'lower',
  jitter_ms: 'lower',
};

const LATENCY = ['min', 'mean', 'stddev', 'p50', 'p90', 'p99', 'p999', 'max'] as const;

const RR: Record<string, Better> = {
  transactions: 'higher',
  transactions_per_sec: 'higher',
  ...Object.fromEntries(LATENCY.map((p) => [`latency_us.${p}`, 'lower' as const])),
};

const UDP_RR: Record<string, Better> = {
  ...RR,
  requests_sent: 'higher',
  lost: 'lower',
  loss_percent: 'lower',
  late_replies: 'lower',
};

const CATALOG: Record<TestName, Record<string, Better>> = { TCP_STREAM: STREAM, UDP_STREAM, TCP_RR: RR, UDP_RR };

export function figuresOf(test: TestName): string[] {
  return Object.keys(CATALOG[test]);
}

export function betterOf(test: TestName, figure: string): Better | undefined {
  return CATALOG[test][figure];
}

/** Every figure any test produces, for the schema's list and did-you-mean. */
export const ALL_FIGURES: readonly string[] = [...new Set(Object.values(CATALOG).flatMap((c) => Object.keys(c)))];

/** The figures a summary table shows for a test, most telling first. */
export const HEADLINE_FIGURES: Record<TestName, readonly string[]> = {
  TCP_STREAM: ['throughput_mbps'],
  UDP_STREAM: ['throughput_mbps', 'loss_percent', 'jitter_ms'],
  TCP_RR: ['transactions_per_sec', 'latency_us.p50', 'latency_us.p99'],
  UDP_RR: ['transactions_per_sec', 'latency_us.p99', 'loss_percent'],
};

/** Every catalogued figure present in a summary, as dotted name to number. */
export function flattenFigures(test: TestName, summary: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const figure of figuresOf(test)) {
    let v: unknown = summary;
    for (const part of figure.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    if (typeof v === 'number' && Number.isFinite(v)) out[figure] = v;
  }
  return out;
}

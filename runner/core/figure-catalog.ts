import type { TestName } from './test-params.js';

/**
 * Every summary figure, once: its dotted name (as in runner/core/run-object.ts),
 * what a person calls it, its unit, which way is better, and which tests
 * produce it. Expectations, summary tables, reports and comparisons all read
 * this one table.
 */
export type Better = 'higher' | 'lower';

export interface FigureInfo {
  name: string;
  label: string;
  unit: string;
  better: Better;
}

/** In the order a reader wants them: rates first, counts last. */
const INFO: readonly FigureInfo[] = [
  { name: 'throughput_mbps', label: 'Throughput', unit: 'Mbit/s', better: 'higher' },
  { name: 'sender_mbps', label: 'Sender throughput', unit: 'Mbit/s', better: 'higher' },
  { name: 'transactions_per_sec', label: 'Transactions', unit: '/s', better: 'higher' },
  { name: 'latency_us.min', label: 'Latency min', unit: 'µs', better: 'lower' },
  { name: 'latency_us.mean', label: 'Latency mean', unit: 'µs', better: 'lower' },
  { name: 'latency_us.stddev', label: 'Latency stddev', unit: 'µs', better: 'lower' },
  { name: 'latency_us.p50', label: 'Latency p50', unit: 'µs', better: 'lower' },
  { name: 'latency_us.p90', label: 'Latency p90', unit: 'µs', better: 'lower' },
  { name: 'latency_us.p99', label: 'Latency p99', unit: 'µs', better: 'lower' },
  { name: 'latency_us.p999', label: 'Latency p99.9', unit: 'µs', better: 'lower' },
  { name: 'latency_us.max', label: 'Latency max', unit: 'µs', better: 'lower' },
  { name: 'loss_percent', label: 'Loss', unit: '%', better: 'lower' },
  { name: 'jitter_ms', label: 'Jitter', unit: 'ms', better: 'lower' },
  { name: 'packets_sent', label: 'Packets sent', unit: 'packets', better: 'higher' },
  { name: 'packets_received', label: 'Packets received', unit: 'packets', better: 'higher' },
  { name: 'packets_lost', label: 'Packets lost', unit: 'packets', better: 'lower' },
  { name: 'out_of_order', label: 'Out of order', unit: 'packets', better: 'lower' },
  { name: 'duplicates', label: 'Duplicates', unit: 'packets', better: 'lower' },
  { name: 'requests_sent', label: 'Requests sent', unit: 'requests', better: 'higher' },
  { name: 'transactions', label: 'Transactions done', unit: 'transactions', better: 'higher' },
  { name: 'lost', label: 'Requests lost', unit: 'requests', better: 'lower' },
  { name: 'late_replies', label: 'Late replies', unit: 'replies', better: 'lower' },
  { name: 'bytes_sent', label: 'Bytes sent', unit: 'bytes', better: 'higher' },
  { name: 'bytes_received', label: 'Bytes received', unit: 'bytes', better: 'higher' },
];

/** Catalogued figures by name, with their place in the reader's order. */
export const CATALOGUED: ReadonlyMap<string, FigureInfo & { order: number }> = new Map(INFO.map((f, order) => [f.name, { ...f, order }]));

/** Each test's figures, in the order its run object lists them. */
const STREAM = ['throughput_mbps', 'sender_mbps', 'bytes_sent', 'bytes_received'];
const UDP_STREAM = [...STREAM, 'packets_sent', 'packets_received', 'packets_lost', 'loss_percent', 'out_of_order', 'duplicates', 'jitter_ms'];
const RR = ['transactions', 'transactions_per_sec', ...['min', 'mean', 'stddev', 'p50', 'p90', 'p99', 'p999', 'max'].map((p) => `latency_us.${p}`)];
const UDP_RR = [...RR, 'requests_sent', 'lost', 'loss_percent', 'late_replies'];
const PRODUCED: Record<TestName, readonly string[]> = { TCP_STREAM: STREAM, UDP_STREAM, TCP_RR: RR, UDP_RR };

export function figuresOf(test: TestName): string[] {
  return [...PRODUCED[test]];
}

export function betterOf(test: TestName, figure: string): Better | undefined {
  return PRODUCED[test].includes(figure) ? CATALOGUED.get(figure)?.better : undefined;
}

/** Every figure any test produces, for the schema's list and did-you-mean. */
export const ALL_FIGURES: readonly string[] = [...new Set(Object.values(PRODUCED).flat())];

/** The figures a reader looks at first for each test. */
export const HEADLINE_FIGURES: Record<TestName, readonly string[]> = {
  TCP_STREAM: ['throughput_mbps'],
  UDP_STREAM: ['throughput_mbps', 'loss_percent', 'jitter_ms'],
  TCP_RR: ['transactions_per_sec', 'latency_us.p50', 'latency_us.p99'],
  UDP_RR: ['transactions_per_sec', 'latency_us.p50', 'latency_us.p99', 'loss_percent'],
};

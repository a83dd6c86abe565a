import type { Figures } from '../core/run-object.js';
import type { TestName } from '../core/test-params.js';

/**
 * What each figure is called in a report and its unit. Figure names are the
 * dotted names results.json uses (`throughput_mbps`, `latency_us.p99`); names
 * not listed here still render, with a unit read from their suffix.
 */
export interface FigureInfo {
  name: string;
  label: string;
  unit: string;
  /** Which way is better when the results file does not say. */
  better: 'higher' | 'lower';
}

const CATALOG: FigureInfo[] = [
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

const BY_NAME = new Map(CATALOG.map((f, i) => [f.name, { ...f, order: i }]));

const SUFFIX_UNITS: Array<[string, string, 'higher' | 'lower']> = [
  ['_mbps', 'Mbit/s', 'higher'],
  ['_per_sec', '/s', 'higher'],
  ['_percent', '%', 'lower'],
  ['_us', 'µs', 'lower'],
  ['_ms', 'ms', 'lower'],
  ['_s', 's', 'lower'],
  ['_bytes', 'bytes', 'higher'],
];

export function figureInfo(name: string): FigureInfo {
  const known = BY_NAME.get(name);
  if (known) return known;
  const base = name.split('.')[0];
  const suffix = SUFFIX_UNITS.find(([s]) => base.endsWith(s));
  return { name, label: name, unit: suffix?.[1] ?? '', better: suffix?.[2] ?? 'higher' };
}

/** Catalogue order first (throughput before bytes), then unknown names alphabetically. */
export function compareFigureNames(a: string, b: string): number {
  const oa = BY_NAME.get(a)?.order ?? Number.MAX_SAFE_INTEGER;
  const ob = BY_NAME.get(b)?.order ?? Number.MAX_SAFE_INTEGER;
  return oa !== ob ? oa - ob : a.localeCompare(b);
}

/** Every numeric figure of a summary or interval, flattened to dotted names. */
export function flattenFigures(figures: Figures): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const [key, value] of Object.entries(figures)) {
    if (typeof value === 'number') out.push([key, value]);
    else if (value && typeof value === 'object') {
      for (const [sub, v] of Object.entries(value as Record<string, unknown>)) if (typeof v === 'number') out.push([`${key}.${sub}`, v]);
    }
  }
  return out.sort(([a], [b]) => compareFigureNames(a, b));
}

/** The figures a reader looks at first for each test. */
export function headlineFigures(test: TestName): string[] {
  switch (test) {
    case 'TCP_STREAM':
      return ['throughput_mbps'];
    case 'UDP_STREAM':
      return ['throughput_mbps', 'loss_percent', 'jitter_ms'];
    case 'TCP_RR':
      return ['transactions_per_sec', 'latency_us.p50', 'latency_us.p99'];
    case 'UDP_RR':
      return ['transactions_per_sec', 'latency_us.p50', 'latency_us.p99', 'loss_percent'];
  }
}

/** Counts of what was moved say how much, not how well: group tables and comparisons leave them out. */
const VOLUMES: ReadonlySet<string> = new Set(['bytes_sent', 'bytes_received', 'packets_sent', 'packets_received', 'requests_sent', 'transactions']);

export function isVolume(name: string): boolean {
  return VOLUMES.has(name);
}

/** Any count (lost packets too): a run's one-row figure table keeps to rates, percentages and times. */
export function isCounter(name: string): boolean {
  const unit = figureInfo(name).unit;
  return unit === 'bytes' || unit === 'packets' || unit === 'requests' || unit === 'transactions' || unit === 'replies';
}

import { CATALOGUED, HEADLINE_FIGURES, type FigureInfo } from '../core/figure-catalog.js';
import type { Figures } from '../core/run-object.js';
import type { TestName } from '../core/test-params.js';

/**
 * The report's view of the figure catalogue (runner/core/figure-catalog.ts):
 * labels, units and order. Names not catalogued (a newer bench, a user's own
 * figure) still render, with a unit read from their suffix.
 */
const SUFFIX_UNITS: Array<[string, string, 'higher' | 'lower']> = [
  ['_mbps', 'Mbit/s', 'higher'],
  ['_per_sec', '/s', 'higher'],
  ['_percent', '%', 'lower'],
  ['_us', 'µs', 'lower'],
  ['_ms', 'ms', 'lower'],
  ['_s', 's', 'lower'],
  ['_bytes', 'bytes', 'higher'],
];

export type { FigureInfo };

export function figureInfo(name: string): FigureInfo {
  const known = CATALOGUED.get(name);
  if (known) return known;
  const base = name.split('.')[0];
  const suffix = SUFFIX_UNITS.find(([s]) => base.endsWith(s));
  return { name, label: name, unit: suffix?.[1] ?? '', better: suffix?.[2] ?? 'higher' };
}

/** Catalogue order first (throughput before bytes), then unknown names alphabetically. */
export function compareFigureNames(a: string, b: string): number {
  const oa = CATALOGUED.get(a)?.order ?? Number.MAX_SAFE_INTEGER;
  const ob = CATALOGUED.get(b)?.order ?? Number.MAX_SAFE_INTEGER;
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
  return [...HEADLINE_FIGURES[test]];
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

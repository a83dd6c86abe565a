import { formatDuration } from '../core/units.js';
import { formatNumber } from '../core/figure-catalog.js';

/** The one number format of figures lives with the catalogue; charts and comparisons import it from here too. */
export { formatNumber };

/** `± 12.3`, or an em dash when there is no interval (fewer than two repeats). */
export function formatCi(ci95: number | null): string {
  return ci95 === null ? '—' : `± ${formatNumber(ci95)}`;
}

/** `2026-11-24 14:03:12 UTC`: the same text wherever the report is rendered. */
export function formatUtc(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatElapsed(seconds: number): string {
  if (seconds < 60) return formatDuration(Math.round(seconds * 10) / 10);
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return m < 60 ? `${m}m ${s}s` : `${Math.floor(m / 60)}h ${m % 60}m ${s}s`;
}

/** What a run did, in words a reader can check against the scenario: `10s, omit 1s, 64KiB writes, 4 streams`. */
export { describeParams } from '../core/params.js';

import { formatDuration } from '../core/units.js';

/**
 * How figures are shown: four significant digits, never fewer than the whole
 * number, trailing zeros dropped (14234 Mbit/s, 94.77 µs, 0.018 %), so columns read the same in every
 * format and tests can assert exact text.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  if (Math.abs(value) >= 1000) return value.toFixed(0);
  const text = value.toPrecision(4);
  // toPrecision switches to exponent form below 1e-6; figures that small read as 0.
  const plain = text.includes('e') ? value.toFixed(6) : text;
  return plain.includes('.') ? plain.replace(/\.?0+$/, '') : plain;
}

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

import { formatNumber } from '../../core/figure-catalog.js';

/** `± 12.4 (1.3%)`, or `—` when there is no interval. */
export function formatInterval(mean: number, ci95: number | null): string {
  if (ci95 === null) return '—';
  const pct = mean === 0 ? '' : ` (${((ci95 / Math.abs(mean)) * 100).toFixed(1)}%)`;
  return `± ${formatNumber(ci95)}${pct}`;
}

/** `1m 05s` for estimates; seconds below a minute. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m ${rest}s` : `${m}m ${rest}s`;
}

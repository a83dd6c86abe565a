/**
 * Figures for people: enough digits to compare runs, not so many that noise
 * looks like precision.
 */
export function formatFigure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  if (abs >= 100) return value.toFixed(1);
  if (abs >= 10) return value.toFixed(2);
  if (abs >= 0.001) return value.toFixed(3);
  return value.toPrecision(2);
}

/** `± 12.4 (1.3%)`, or `—` when there is no interval. */
export function formatInterval(mean: number, ci95: number | null): string {
  if (ci95 === null) return '—';
  const pct = mean === 0 ? '' : ` (${((ci95 / Math.abs(mean)) * 100).toFixed(1)}%)`;
  return `± ${formatFigure(ci95)}${pct}`;
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

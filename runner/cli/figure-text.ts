import { isRrFigures, isRrulFigures, type Figures } from '../core/run-object.js';
import { formatNumber } from '../core/figure-catalog.js';

/** The one or two figures that say how a run (or an interval of it) went. */
export function figureText(figures: Figures): string {
  if (isRrulFigures(figures)) {
    const rates = [
      figures.upload_mbps !== undefined ? `up ${formatNumber(figures.upload_mbps)} Mbit/s` : '',
      figures.download_mbps !== undefined ? `down ${formatNumber(figures.download_mbps)} Mbit/s` : '',
    ].filter((t) => t !== '');
    const latency = 'loaded_latency_us' in figures ? figures.loaded_latency_us : figures.latency_us;
    return [...rates, latency ? `p50 ${formatNumber(latency.p50)} µs` : 'no probe echoed'].join('  ');
  }
  if (isRrFigures(figures)) {
    const loss = figures.loss_percent !== undefined ? `  loss ${formatNumber(figures.loss_percent)}%` : '';
    return `${formatNumber(figures.transactions_per_sec)} trans/s  p99 ${formatNumber(figures.latency_us.p99)} µs${loss}`;
  }
  const loss = figures.loss_percent !== undefined ? `  loss ${formatNumber(figures.loss_percent)}%` : '';
  return `${formatNumber(figures.throughput_mbps)} Mbit/s${loss}`;
}

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

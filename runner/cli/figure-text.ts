import { isRrFigures, type Figures } from '../core/run-object.js';
import type { TestParams } from '../core/test-params.js';
import { isStreamTest } from '../core/test-params.js';
import { formatBytes, formatDuration, formatRate } from '../core/units.js';
import { formatNumber } from '../core/figure-catalog.js';

/** The one or two figures that say how a run (or an interval of it) went. */
export function figureText(figures: Figures): string {
  if (isRrFigures(figures)) {
    const loss = figures.loss_percent !== undefined ? `  loss ${formatNumber(figures.loss_percent)}%` : '';
    return `${formatNumber(figures.transactions_per_sec)} trans/s  p99 ${formatNumber(figures.latency_us.p99)} µs${loss}`;
  }
  const loss = figures.loss_percent !== undefined ? `  loss ${formatNumber(figures.loss_percent)}%` : '';
  return `${formatNumber(figures.throughput_mbps)} Mbit/s${loss}`;
}

/** The parameters that matter for the test, such as `10s, 1472B, 100Mbit/s, 4 streams`. */
export function paramsText(p: TestParams): string {
  const parts = [formatDuration(p.duration_s)];
  if (isStreamTest(p.test)) parts.push(sizeText(p.size_bytes));
  else parts.push(`${sizeText(p.request_size_bytes)}/${sizeText(p.response_size_bytes)}`);
  if (p.test === 'UDP_STREAM' && p.rate_bps > 0) parts.push(formatRate(p.rate_bps));
  if (p.streams > 1) parts.push(`${p.streams} streams`);
  if (p.reverse) parts.push('reverse');
  return parts.join(', ');
}

/** 64KiB, but 1472B rather than 1.44KiB: datagram sizes are read in bytes. */
function sizeText(n: number): string {
  return n % 1024 === 0 ? formatBytes(n) : `${n}B`;
}

import { isRrFigures, isRrulFigures, type Figures } from '../core/run-object.js';
import type { TestParams } from '../core/test-params.js';
import { describeParams } from '../core/params.js';
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

/** The parameters that matter for the test, such as `10s, 1472B datagrams, rate 100Mbit/s, 4 streams`: the report's words. */
export function paramsText(p: TestParams): string {
  return describeParams(p);
}

import type { Figures, RunObject } from '../../core/run-object.js';
import { isRrFigures } from '../../core/run-object.js';

/** One interval or summary as a short line: the figures a person watches. */
export function headlineFigures(f: Figures): string {
  if (isRrFigures(f)) {
    const loss = f.loss_percent !== undefined ? `  loss ${f.loss_percent.toFixed(2)}%` : '';
    return `${f.transactions_per_sec.toFixed(0).padStart(8)} trans/s  p50 ${f.latency_us.p50.toFixed(1)}µs  p99 ${f.latency_us.p99.toFixed(1)}µs${loss}`;
  }
  const loss = f.loss_percent !== undefined ? `  loss ${f.loss_percent.toFixed(2)}% (${f.packets_lost}/${(f.packets_received ?? 0) + (f.packets_lost ?? 0)})  jitter ${f.jitter_ms?.toFixed(3)}ms` : '';
  return `${f.throughput_mbps.toFixed(1).padStart(10)} Mbit/s${loss}`;
}

/** Rows of the summary table: figure, value, unit, and who measured it. */
export function summaryRows(run: RunObject): Array<[string, string, string]> {
  const f = run.summary;
  if (!f) return [];
  if (isRrFigures(f)) {
    const rows: Array<[string, string, string]> = [
      ['transactions', String(f.transactions), 'count (client)'],
      ['transactions_per_sec', f.transactions_per_sec.toFixed(1), 'per second (client)'],
      ['latency min / mean', `${f.latency_us.min} / ${f.latency_us.mean}`, 'µs round trip'],
      ['latency p50 / p90 / p99', `${f.latency_us.p50} / ${f.latency_us.p90} / ${f.latency_us.p99}`, 'µs round trip'],
      ['latency p99.9 / max', `${f.latency_us.p999} / ${f.latency_us.max}`, 'µs round trip'],
      ['latency stddev', String(f.latency_us.stddev), 'µs'],
    ];
    if (f.loss_percent !== undefined) {
      rows.push(['requests_sent / lost', `${f.requests_sent} / ${f.lost}`, 'requests (client)']);
      rows.push(['loss_percent', f.loss_percent.toFixed(3), '% of requests']);
      rows.push(['late_replies', String(f.late_replies), 'replies after their timeout']);
    }
    return rows;
  }
  const rows: Array<[string, string, string]> = [
    ['throughput_mbps', f.throughput_mbps.toFixed(1), 'Mbit/s (receiver)'],
    ['sender_mbps', f.sender_mbps.toFixed(1), 'Mbit/s (sender)'],
    ['bytes_sent / bytes_received', `${f.bytes_sent} / ${f.bytes_received}`, 'bytes'],
  ];
  if (f.loss_percent !== undefined) {
    rows.push(['packets sent / received / lost', `${f.packets_sent} / ${f.packets_received} / ${f.packets_lost}`, 'datagrams']);
    rows.push(['loss_percent', f.loss_percent.toFixed(3), '% of datagrams']);
    rows.push(['out_of_order / duplicates', `${f.out_of_order} / ${f.duplicates}`, 'datagrams (receiver)']);
    rows.push(['jitter_ms', String(f.jitter_ms), 'ms, RFC 3550 (receiver)']);
  }
  return rows;
}

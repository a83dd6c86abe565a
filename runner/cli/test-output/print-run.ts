import Table from 'cli-table3';
import type { IntervalRecord, RunObject } from '../../core/run-object.js';
import { formatBytes, formatDuration, formatRate } from '../../core/units.js';
import { headlineFigures, summaryRows } from './format-figures.js';

/** Live output of `bench test`: a line per interval, then the summary table. */
export function intervalLine(record: IntervalRecord): string {
  const span = `${record.start_s.toFixed(2).padStart(7)}-${record.end_s.toFixed(2).padEnd(7)}s`;
  return `[${span}] ${headlineFigures(record.figures)}${record.omitted ? '  (omitted)' : ''}`;
}

export function describeParams(run: RunObject): string {
  const p = run.params;
  const parts = [`${p.test}`, `${formatDuration(p.duration_s)}`];
  if (p.test === 'TCP_STREAM' || p.test === 'UDP_STREAM') parts.push(`size ${formatBytes(p.size_bytes)}`);
  else parts.push(`request ${p.request_size_bytes}B response ${p.response_size_bytes}B`);
  if (p.test === 'UDP_STREAM') parts.push(`rate ${formatRate(p.rate_bps)}`);
  if (p.streams > 1) parts.push(`${p.streams} streams`);
  if (p.reverse) parts.push('reverse');
  if (p.omit_s > 0) parts.push(`omit ${formatDuration(p.omit_s)}`);
  return parts.join(', ');
}

export function summaryTable(run: RunObject, color: boolean): string {
  const table = new Table({
    head: ['figure', 'value', 'unit (who counts)'],
    style: color ? undefined : { head: [], border: [] },
  });
  for (const row of summaryRows(run)) table.push(row);
  table.push(['duration_s', String(run.duration_s), 's measured' + (run.params.omit_s > 0 ? ' after omit' : '')]);
  table.push(['cpu client / server', `${run.client.cpu_percent ?? '-'} / ${run.server.cpu_percent ?? '-'}`, '% of one core (data threads)']);
  return table.toString();
}

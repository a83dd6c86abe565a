import Table from 'cli-table3';
import { headlineText } from '../../core/figure-catalog.js';
import type { IntervalRecord, RunObject } from '../../core/run-object.js';
import type { TestName } from '../../core/test-params.js';
import { summaryRows, summaryWarnings } from './format-figures.js';

/** Live output of `bench test`: a line per interval, then the summary table. */
export function intervalLine(test: TestName, record: IntervalRecord): string {
  const span = `${record.start_s.toFixed(2).padStart(7)}-${record.end_s.toFixed(2).padEnd(7)}s`;
  return `[${span}] ${headlineText(test, record.figures)}${record.omitted ? '  (omitted)' : ''}`;
}

export function summaryTable(run: RunObject, color: boolean): string {
  const table = new Table({
    head: ['figure', 'value', 'unit (who counts)'],
    style: color ? undefined : { head: [], border: [] },
  });
  for (const row of summaryRows(run)) table.push(row);
  table.push(['duration_s', String(run.duration_s), 's measured' + (run.params.omit_s > 0 ? ' after omit' : '')]);
  table.push(['cpu client / server', `${run.client.cpu_percent ?? '-'} / ${run.server.cpu_percent ?? '-'}`, '% of one core (data threads)']);
  table.push(['data path client / server', `${run.client.data_path ?? '-'} / ${run.server.data_path ?? '-'}`, 'native: C socket loops; js: Node sockets']);
  return [table.toString(), ...summaryWarnings(run).map((w) => `warning: ${w}`)].join('\n');
}

import type { ResultsFile } from '../../core/results-file.js';
import type { PlannedGroup } from '../../scenario/scenario-model.js';
import type { Palette } from './palette.js';
import { renderExpectations } from './expectations-list.js';
import { renderSummaryTable } from './summary-table.js';
import { printable } from '../../core/terminal-text.js';

/**
 * What `bench run` prints at the end: expectations first (the verdict),
 * then the table of figures, then what to distrust and what failed, then
 * where the results are.
 */
/** `files`: results.json first, then any reports rendered. */
export function renderFinalSummary(results: ResultsFile, planned: readonly PlannedGroup[], warnings: readonly string[], files: readonly string[], colours: Palette): string {
  const blocks: string[] = [];
  const expectations = renderExpectations(results.expectations, colours);
  if (expectations !== '') blocks.push(expectations);
  if (results.groups.length > 0) blocks.push(renderSummaryTable(results.groups, planned, results.runs, colours));
  if (warnings.length > 0) blocks.push(warnings.map((w) => `${colours.yellow('warning:')} ${printable(w)}`).join('\n'));
  const failed = results.runs.filter((r) => r.status === 'failed');
  if (failed.length > 0) {
    blocks.push(
      [colours.bold('Failed runs'), ...failed.map((r) => `  ${colours.red('✗')} ${printable(r.label ?? '')}${repeatText(r.repeat_index, planned, r.label)}: ${r.error?.code ?? 'E_INTERNAL'}: ${printable(r.error?.message ?? 'no reason given')}`)].join('\n'),
    );
  }
  const [resultsPath, ...reports] = files;
  blocks.push([totals(results, colours), `Results: ${resultsPath}`, ...reports.map((r) => `Report: ${r}`)].join('\n'));
  return `${blocks.join('\n\n')}\n`;
}

function repeatText(index: number | undefined, planned: readonly PlannedGroup[], label: string | undefined): string {
  const g = planned.find((p) => p.label === label);
  return g && g.repeat > 1 && index !== undefined ? ` (repeat ${index + 1}/${g.repeat})` : '';
}

function totals(results: ResultsFile, colours: Palette): string {
  const n = results.runs.length;
  const interrupted = results.runs.filter((r) => r.interrupted).length;
  const failed = results.runs.filter((r) => r.status === 'failed' && !r.interrupted).length;
  const parts = [`${n} ${n === 1 ? 'run' : 'runs'}: ${n - failed - interrupted} ok`];
  if (failed > 0) parts.push(colours.red(`${failed} failed`));
  if (interrupted > 0) parts.push(colours.yellow(`${interrupted} interrupted`));
  let line = parts.join(', ');
  if (results.expectations.length > 0) {
    const met = results.expectations.filter((e) => e.ok).length;
    const text = `${met} of ${results.expectations.length} expectations met`;
    line += `; ${met === results.expectations.length ? colours.green(text) : colours.red(text)}`;
  }
  if (results.interrupted) line += `; ${colours.yellow('interrupted: the remaining runs did not run')}`;
  return line;
}

import Table from 'cli-table3';
import type { RunGroup } from '../../core/results-file.js';
import type { RunObject } from '../../core/run-object.js';
import { formatNumber, HEADLINE_FIGURES } from '../../core/figure-catalog.js';
import type { PlannedGroup } from '../../scenario/scenario-model.js';
import type { Palette } from './palette.js';
import { formatInterval } from './format-figure.js';
import { printable } from '../../core/terminal-text.js';

/**
 * One row per group: how many of its repeats succeeded, and for the figures
 * that matter for its test (plus any it has expectations on) the mean across
 * repeats, the 95% confidence interval (Student t) and which way is better.
 */
export function renderSummaryTable(groups: readonly RunGroup[], planned: readonly PlannedGroup[], runs: readonly RunObject[], colours: Palette): string {
  const table = new Table({
    head: ['run', 'ok', 'figure', 'mean', '95% CI', 'better'],
    colAligns: ['left', 'right', 'left', 'right', 'right', 'left'],
    style: colours.enabled ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] },
  });
  for (const g of groups) {
    const plan = planned.find((p) => p.label === g.label);
    const own = runs.filter((r) => g.run_ids.includes(r.id));
    const ok = own.filter((r) => r.status === 'ok' && r.interrupted !== true).length;
    const okText = `${ok}/${own.length}`;
    const name = plan && g.label.startsWith(plan.test) ? printable(g.label) : `${printable(g.label)}\n${colours.dim(`${g.test} ${printable(g.peer)}`)}`;
    const figures = [...new Set([...HEADLINE_FIGURES[g.test], ...(plan?.expect.map((e) => e.figure) ?? [])])].filter((f) => g.figures[f]);
    if (figures.length === 0) {
      const why = own.length > 0 && own.every((r) => r.interrupted) ? colours.yellow('interrupted') : colours.red(ok === 0 ? 'no successful run' : 'no figures');
      table.push([name, ok === own.length ? okText : colours.red(okText), '—', why, '', '']);
      continue;
    }
    table.push([
      name,
      ok === own.length ? okText : colours.red(okText),
      figures.join('\n'),
      figures.map((f) => formatNumber(g.figures[f].mean)).join('\n'),
      figures.map((f) => formatInterval(g.figures[f].mean, g.figures[f].ci95)).join('\n'),
      figures.map((f) => g.figures[f].better).join('\n'),
    ]);
  }
  return table.toString();
}

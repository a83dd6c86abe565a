import Table from 'cli-table3';
import { printable } from '../../core/terminal-text.js';
import type { Comparison } from './compare-results.js';

/** The comparison as a terminal table; plain text, no colour, so it reads the same in a CI log. */
export function formatComparisonText(c: Comparison): string {
  const lines: string[] = [];
  lines.push(`base: ${printable(c.base.path)} (${printable(c.base.scenario)}, ${c.base.started_text})`);
  lines.push(`new:  ${printable(c.new.path)} (${printable(c.new.scenario)}, ${c.new.started_text})`);
  lines.push(`threshold: ${c.threshold_text}; floors: ${c.floors_text || 'none'}; figures: ${figuresText(c)}`);
  if (c.matched.some((g) => g.figures.length > 0)) {
    const table = new Table({
      head: ['Run', 'Figure', 'Unit', 'Base', 'New', 'Change', 'Flag'],
      colAligns: ['left', 'left', 'left', 'right', 'right', 'right', 'left'],
      style: { head: [], border: [], compact: true },
    });
    c.matched
      .filter((group) => group.figures.length > 0)
      .forEach((group, g) => {
        const label = printable(group.new_label ? `${group.label} (new: ${group.new_label})` : group.label);
        const what = `  ${group.test}, ${printable(group.params_text)}`;
        // A blank row between runs stands in for the rules compact mode leaves out.
        if (g > 0) table.push(['', '', '', '', '', '', '']);
        group.figures.forEach((f, i) => {
          const run = i === 0 ? (group.figures.length === 1 ? `${label}\n${what}` : label) : i === 1 ? what : '';
          table.push([run, printable(f.label), printable(f.unit), f.base_text, f.new_text, f.change_text, f.flag_text]);
        });
      });
    lines.push(table.toString());
  }
  for (const group of c.matched) if (group.data_path_note) lines.push(`${printable(group.label)}: ${group.data_path_note}`);
  lines.push(c.summary_text);
  if (c.outcome !== 'nothing_compared') {
    lines.push(
      `A regression is a change beyond ${c.threshold_text} and the floor, in the worse direction, with the 95% confidence intervals of base and new apart.`,
    );
  }
  for (const [title, list] of [
    ['Only in base', c.only_in_base],
    ['Only in new', c.only_in_new],
  ] as const) {
    if (list.length === 0) continue;
    lines.push(`${title}:`);
    for (const g of list) lines.push(`  ${printable(g.label)}: ${g.test} to ${printable(g.peer)}, ${printable(g.params_text)}`);
  }
  // Labels, paths and peers come from the files compared: no control character of theirs reaches the terminal.
  return `${printable(lines.join('\n'), { multiline: true })}\n`;
}

function figuresText(c: Comparison): string {
  if (c.figures === 'headline') return 'headline (--figures to choose, --figures all for every one)';
  if (c.figures === 'all') return 'all';
  return c.figures.map((f) => printable(f)).join(', ');
}

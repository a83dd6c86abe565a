import Table from 'cli-table3';
import { printable } from '../../core/terminal-text.js';
import type { Comparison } from './compare-results.js';

/** The comparison as a terminal table; plain text, no colour, so it reads the same in a CI log. */
export function formatComparisonText(c: Comparison): string {
  const lines: string[] = [];
  lines.push(`base: ${c.base.path} (${c.base.scenario}, ${c.base.started_text})`);
  lines.push(`new:  ${c.new.path} (${c.new.scenario}, ${c.new.started_text})`);
  lines.push(`threshold: ${c.threshold_text}`);
  if (c.matched.length > 0) {
    const table = new Table({
      head: ['Run', 'Figure', 'Unit', 'Base', 'New', 'Change', 'Flag'],
      colAligns: ['left', 'left', 'left', 'right', 'right', 'right', 'left'],
      style: { head: [], border: [], compact: true },
    });
    c.matched.forEach((group, g) => {
      const label = group.new_label ? `${group.label} (new: ${group.new_label})` : group.label;
      const what = `  ${group.test}, ${group.params_text}`;
      // A blank row between runs stands in for the rules compact mode leaves out.
      if (g > 0) table.push(['', '', '', '', '', '', '']);
      group.figures.forEach((f, i) => {
        const run = i === 0 ? (group.figures.length === 1 ? `${label}\n${what}` : label) : i === 1 ? what : '';
        table.push([run, f.label, f.unit, f.base_text, f.new_text, f.change_text, f.flag_text]);
      });
    });
    lines.push(table.toString());
  }
  lines.push(c.summary_text);
  for (const [title, list] of [['Only in base', c.only_in_base], ['Only in new', c.only_in_new]] as const) {
    if (list.length === 0) continue;
    lines.push(`${title}:`);
    for (const g of list) lines.push(`  ${g.label}: ${g.test} to ${g.peer}, ${g.params_text}`);
  }
  // Labels, paths and peers come from the files compared: no control character of theirs reaches the terminal.
  return `${printable(lines.join('\n'), { multiline: true })}\n`;
}

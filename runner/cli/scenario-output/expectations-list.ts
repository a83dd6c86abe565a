import type { ExpectationResult } from '../../core/results-file.js';
import type { Palette } from './palette.js';
import { formatNumber } from '../../core/figure-catalog.js';
import { printable } from '../../core/terminal-text.js';

/**
 * One line per expectation, columns aligned, the verdict beside the value
 * it was judged on:  `TCP_STREAM lab-b  throughput_mbps >= 900  ✗ 874.2`.
 */
export function renderExpectations(results: readonly ExpectationResult[], colours: Palette): string {
  if (results.length === 0) return '';
  const met = results.filter((r) => r.ok).length;
  const labelWidth = Math.max(...results.map((r) => r.label.length));
  const ruleWidth = Math.max(...results.map((r) => rule(r).length));
  const lines = results.map((r) => {
    const observed = r.observed === null ? 'no value: no run produced it' : formatNumber(r.observed);
    const verdict = r.ok ? colours.green(`✓ ${observed}`) : colours.red(`✗ ${observed}`);
    return `  ${printable(r.label).padEnd(labelWidth)}  ${printable(rule(r)).padEnd(ruleWidth)}  ${verdict}`;
  });
  return [colours.bold(`Expectations: ${met} of ${results.length} met`), ...lines].join('\n');
}

function rule(r: ExpectationResult): string {
  return `${r.figure} ${r.condition}`;
}

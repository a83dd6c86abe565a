import type { ExpectationResult, ResultsFile } from '../../core/results-file.js';
import type { PlannedGroup } from '../../scenario/scenario-model.js';
import type { Palette } from '../color.js';
import { formatNumber } from '../../core/figure-catalog.js';
import { renderSummaryTable } from './summary-table.js';
import { printable } from '../../core/terminal-text.js';
import { wrapLines } from '../terminal-width.js';

/**
 * What `bench run` prints at the end: expectations first (the verdict),
 * then the table of figures, then what to distrust and what failed, then
 * where the results are.
 */
/**
 * `files`: results.json first, then any reports rendered. `width`: the
 * terminal's (runner/cli/terminal-width.ts); every line fits in it, the table
 * by giving up columns, the rest by wrapping at spaces. Undefined: no limit.
 */
export function renderFinalSummary(
  results: ResultsFile,
  planned: readonly PlannedGroup[],
  warnings: readonly string[],
  files: readonly string[],
  colours: Palette,
  width?: number,
): string {
  const blocks: string[] = [];
  const expectations = renderExpectations(results.expectations, colours);
  if (expectations !== '') blocks.push(wrapLines(expectations, width, '      '));
  if (results.groups.length > 0) blocks.push(renderSummaryTable(results.groups, planned, results.runs, colours, width));
  if (warnings.length > 0) {
    const labels = results.groups.map((g) => g.label);
    blocks.push(
      groupWarnings(warnings, labels)
        .map((w) => wrapLines(`${colours.yellow('warning:')} ${printable(w)}`, width, '  '))
        .join('\n'),
    );
  }
  const failed = results.runs.filter((r) => r.status === 'failed');
  if (failed.length > 0) {
    blocks.push(
      wrapLines(
        [
          colours.bold('Failed runs'),
          ...failed.map(
            (r) =>
              `  ${colours.red('✗')} ${printable(r.label ?? '')}${repeatText(r.repeat_index, planned, r.label)}: ${r.error?.code ?? 'E_INTERNAL'}: ${printable(r.error?.message ?? 'no reason given')}`,
          ),
        ].join('\n'),
        width,
        '    ',
      ),
    );
  }
  const [resultsPath, ...reports] = files;
  blocks.push(
    wrapLines([totals(results, colours), `Results: ${resultsPath}`, ...reports.map((r) => `Report: ${r}`)].join('\n'), width, '  '),
  );
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

/** A figure in a warning's text: not part of a word (the 99 of `p99`, the 2 of `2s` stay words). */
const NUMBER = /(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])/g;

/**
 * The same warning about several runs, once: `3 runs (a, b, c): throughput_mbps
 * varies widely (95% interval ±12.1-30.4% ...)`. Warnings about one run start
 * with its label; two are the same when they differ only in their figures, and
 * each figure that differs is shown as the range it spans.
 */
export function groupWarnings(warnings: readonly string[], labels: readonly string[]): string[] {
  // Longest first, so that a label that extends another (`udp` and `udp fast`) is not cut short.
  const byLength = [...new Set(labels)].sort((a, b) => b.length - a.length);
  const grouped = new Map<string, { labels: string[]; texts: string[] }>();
  const out: Array<string | { labels: string[]; texts: string[] }> = [];
  for (const w of warnings) {
    const label = byLength.find((l) => w.startsWith(`${l}: `));
    if (label === undefined) {
      out.push(w);
      continue;
    }
    const text = w.slice(label.length + 2);
    const key = text.replace(NUMBER, '#');
    const group = grouped.get(key);
    if (group) {
      group.labels.push(label);
      group.texts.push(text);
    } else {
      const fresh = { labels: [label], texts: [text] };
      grouped.set(key, fresh);
      out.push(fresh);
    }
  }
  return out.map((o) => {
    if (typeof o === 'string') return o;
    if (o.labels.length === 1) return `${o.labels[0]}: ${o.texts[0]}`;
    const named = o.labels.length <= 3 ? o.labels.join(', ') : `${o.labels.slice(0, 2).join(', ')} and ${o.labels.length - 2} more`;
    return `${o.labels.length} runs (${named}): ${mergeFigures(o.texts)}`;
  });
}

/** The first text with each figure replaced by the range it spans across all texts (`±12.1-30.4%`), or kept when all agree. */
function mergeFigures(texts: readonly string[]): string {
  const figures = texts.map((t) => t.match(NUMBER)?.map(Number) ?? []);
  let index = 0;
  return texts[0].replace(NUMBER, (first) => {
    const values = figures.map((f) => f[index]);
    index++;
    const low = Math.min(...values);
    const high = Math.max(...values);
    if (low === high) return first;
    return `${formatNumber(low)}-${formatNumber(high)}`;
  });
}

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

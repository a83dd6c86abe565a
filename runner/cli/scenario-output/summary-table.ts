import Table from 'cli-table3';
import type { RunGroup } from '../../core/results-file.js';
import type { RunObject } from '../../core/run-object.js';
import { formatNumber, HEADLINE_FIGURES } from '../../core/figure-catalog.js';
import type { PlannedGroup } from '../../scenario/scenario-model.js';
import { greyBorders, type Palette, UNSTYLED_TABLE } from '../color.js';
import { formatInterval } from '../figure-text.js';
import { printable } from '../../core/terminal-text.js';
import { widestLine, wrapCell, wrapWords } from '../terminal-width.js';

interface FigureRow {
  name: string;
  mean: number;
  ci95: number | null;
  better: 'higher' | 'lower';
}

interface GroupRow {
  label: string;
  /** `TCP_STREAM lab-b` when the label does not start with the test. */
  where: string | null;
  okText: string;
  allOk: boolean;
  figures: FigureRow[];
  /** Why there are no figures, coloured. */
  why: string;
}

/**
 * How the table gives way to a narrow terminal, widest first: wrap the run
 * labels; fold the `better` column into an arrow beside the figure; write the
 * interval as its share of the mean only; fold `ok` under the label. Below the
 * last, the table becomes a list.
 */
interface Layout {
  betterColumn: boolean;
  interval: 'full' | 'share';
  okColumn: boolean;
  /** Narrowest the run column may be wrapped to; undefined: not wrapped. */
  minLabel?: number;
}

const LAYOUTS: readonly Layout[] = [
  { betterColumn: true, interval: 'full', okColumn: true },
  { betterColumn: true, interval: 'full', okColumn: true, minLabel: 16 },
  { betterColumn: false, interval: 'full', okColumn: true, minLabel: 16 },
  { betterColumn: false, interval: 'share', okColumn: true, minLabel: 10 },
  { betterColumn: false, interval: 'share', okColumn: false, minLabel: 8 },
];

const ARROW = { higher: '↑', lower: '↓' } as const;
const ARROW_LEGEND = '↑ higher is better, ↓ lower is better';

/**
 * One row per group: how many of its repeats succeeded, and for the figures
 * that matter for its test (plus any it has expectations on) the mean across
 * repeats, the 95% confidence interval (Student t) and which way is better.
 * With a `width`, the table is fitted to it (see Layout); without, it is drawn
 * whole.
 */
export function renderSummaryTable(
  groups: readonly RunGroup[],
  planned: readonly PlannedGroup[],
  runs: readonly RunObject[],
  colours: Palette,
  width?: number,
): string {
  const rows = groups.map((g) => groupRow(g, planned, runs, colours));
  if (width === undefined) return draw(rows, LAYOUTS[0], undefined, colours);
  for (const layout of LAYOUTS) {
    let labelWidth: number | undefined;
    if (layout.minLabel !== undefined) {
      // The other columns' width: the table drawn with labels one character wide, in a column as wide as its heading.
      const others = widestLine(draw(rows, layout, 1, colours)) - 'run'.length;
      labelWidth = width - others;
      if (labelWidth < layout.minLabel) continue;
    }
    const table = draw(rows, layout, labelWidth, colours);
    const legend = layout.betterColumn ? '' : `\n${colours.dim(ARROW_LEGEND)}`;
    if (widestLine(table + legend) <= width) return table + legend;
  }
  return list(rows, width, colours);
}

function groupRow(g: RunGroup, planned: readonly PlannedGroup[], runs: readonly RunObject[], colours: Palette): GroupRow {
  const plan = planned.find((p) => p.label === g.label);
  const own = runs.filter((r) => g.run_ids.includes(r.id));
  const ok = own.filter((r) => r.status === 'ok' && r.interrupted !== true).length;
  const names = [...new Set([...HEADLINE_FIGURES[g.test], ...(plan?.expect.map((e) => e.figure) ?? [])])].filter((f) => g.figures[f]);
  const why =
    own.length > 0 && own.every((r) => r.interrupted)
      ? colours.yellow('interrupted')
      : colours.red(ok === 0 ? 'no successful run' : 'no figures');
  return {
    label: printable(g.label),
    where: plan && g.label.startsWith(plan.test) ? null : `${g.test} ${printable(g.peer)}`,
    okText: `${ok}/${own.length}`,
    allOk: ok === own.length,
    figures: names.map((name) => ({ name, mean: g.figures[name].mean, ci95: g.figures[name].ci95, better: g.figures[name].better })),
    why,
  };
}

function draw(rows: readonly GroupRow[], layout: Layout, labelWidth: number | undefined, colours: Palette): string {
  const head = ['run', ...(layout.okColumn ? ['ok'] : []), 'figure', 'mean', '95% CI', ...(layout.betterColumn ? ['better'] : [])];
  const aligns: Array<'left' | 'right'> = [
    'left',
    ...(layout.okColumn ? ['right' as const] : []),
    'left',
    'right',
    'right',
    ...(layout.betterColumn ? ['left' as const] : []),
  ];
  const table = new Table({ head: head.map((h) => colours.cyan(h)), colAligns: aligns, ...UNSTYLED_TABLE });
  for (const row of rows) {
    const okText = row.allOk ? row.okText : colours.red(row.okText);
    const name = [
      ...wrapCell(row.label, labelWidth),
      ...(row.where === null ? [] : wrapCell(row.where, labelWidth).map((l) => colours.dim(l))),
      ...(layout.okColumn ? [] : [row.allOk ? `${row.okText} ok` : colours.red(`${row.okText} ok`)]),
    ].join('\n');
    const ok = layout.okColumn ? [okText] : [];
    if (row.figures.length === 0) {
      table.push([name, ...ok, '—', row.why, '', ...(layout.betterColumn ? [''] : [])]);
      continue;
    }
    const figure = (f: FigureRow) => (layout.betterColumn ? f.name : `${f.name} ${ARROW[f.better]}`);
    const interval = (f: FigureRow) => (layout.interval === 'full' ? formatInterval(f.mean, f.ci95) : intervalShare(f.mean, f.ci95));
    table.push([
      name,
      ...ok,
      row.figures.map(figure).join('\n'),
      row.figures.map((f) => formatNumber(f.mean)).join('\n'),
      row.figures.map(interval).join('\n'),
      ...(layout.betterColumn ? [row.figures.map((f) => f.better).join('\n')] : []),
    ]);
  }
  return greyBorders(table.toString(), colours);
}

/** `±2.6%`: the interval as a share of the mean, which is what a reader judges it by; `± 0.3` when the mean is 0. */
function intervalShare(mean: number, ci95: number | null): string {
  if (ci95 === null) return '—';
  if (mean === 0) return `± ${formatNumber(ci95)}`;
  return `±${((ci95 / Math.abs(mean)) * 100).toFixed(1)}%`;
}

/** Narrower than any table: a run per paragraph, a figure per line. */
function list(rows: readonly GroupRow[], width: number, colours: Palette): string {
  const lines: string[] = [];
  for (const row of rows) {
    const ok = row.allOk ? `${row.okText} ok` : colours.red(`${row.okText} ok`);
    if (row.label.length + 2 + row.okText.length + 3 <= width) lines.push(`${colours.bold(row.label)}  ${ok}`);
    else lines.push(...wrapCell(row.label, width).map((l) => colours.bold(l)), `  ${ok}`);
    if (row.where !== null) lines.push(...wrapCell(row.where, width).map((l) => colours.dim(l)));
    if (row.figures.length === 0) lines.push(`  ${row.why}`);
    for (const f of row.figures)
      lines.push(...wrapWords(`  ${f.name} ${ARROW[f.better]} ${formatNumber(f.mean)} ${intervalShare(f.mean, f.ci95)}`, width, '    '));
  }
  lines.push(...wrapWords(colours.dim(ARROW_LEGEND), width, ''));
  return lines.join('\n');
}

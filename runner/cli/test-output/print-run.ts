import Table from 'cli-table3';
import {
  figureInfo,
  figuresOf,
  formatNumber,
  headlineText,
  rateShortfall,
  testFigureValues,
  whoCounts,
} from '../../core/figure-catalog.js';
import type { IntervalRecord, RrulIntervalFigures, RunObject } from '../../core/run-object.js';
import { formatBytes } from '../../core/units.js';
import type { TestName } from '../../core/test-params.js';
import { visibleLength, widestLine, wrapCell, wrapLines } from '../terminal-width.js';
import { greyBorders, palette, UNSTYLED_TABLE } from '../color.js';

/** Live output of `bench test`: a line per interval, then the summary table. */
export function intervalLine(test: TestName, record: IntervalRecord): string {
  const span = `${record.start_s.toFixed(2).padStart(7)}-${record.end_s.toFixed(2).padEnd(7)}s`;
  // RRUL: an interval's probes beside the streams' rates, and its phase.
  const f = record.figures as Partial<RrulIntervalFigures>;
  const probes =
    record.phase !== undefined && f.loss_percent !== undefined
      ? `  probes p50 ${f.latency_us ? `${formatNumber(f.latency_us.p50)} µs` : '-'}  loss ${formatNumber(f.loss_percent)}%  (${record.phase})`
      : '';
  return `[${span}] ${headlineText(test, record.figures)}${probes}${record.omitted ? '  (omitted)' : ''}`;
}

/** Narrowest the `unit (who counts)` column is wrapped to before the table becomes a list. */
const MIN_UNIT_COLUMN = 12;

/**
 * The summary: figure, value, unit (who counts). With a `width` (the
 * terminal's) the table fits it: the unit column wraps, and where even that
 * does not fit, each figure becomes a line of its own.
 */
export function summaryTable(run: RunObject, color: boolean, width?: number): string {
  const rows: Array<[string, string, string]> = [
    ...summaryRows(run),
    ['duration_s', String(run.duration_s), `s measured${run.params.omit_s > 0 ? ' after omit' : ''}`],
    ['cpu client / server', `${run.client.cpu_percent ?? '-'} / ${run.server.cpu_percent ?? '-'}`, '% of one core (data threads)'],
    [
      'data path client / server',
      `${run.client.data_path ?? '-'} / ${run.server.data_path ?? '-'}`,
      'native: C socket loops; js: Node sockets',
    ],
  ];
  const { client, server } = run;
  // Short values, the sides in the unit column: a wide value column would squeeze every unit in a narrow terminal.
  if (client.congestion !== undefined || server.congestion !== undefined)
    rows.push(['congestion', `${client.congestion ?? '-'} / ${server.congestion ?? '-'}`, 'client / server (TCP_CONGESTION)']);
  // What the kernel granted for --window; without it the buffers autotune, and the run object keeps them.
  if (run.params.window_bytes > 0) {
    rows.push(['sndbuf', `${bytesText(client.sndbuf_bytes)} / ${bytesText(server.sndbuf_bytes)}`, 'client / server, as granted']);
    rows.push(['rcvbuf', `${bytesText(client.rcvbuf_bytes)} / ${bytesText(server.rcvbuf_bytes)}`, 'client / server, as granted']);
  }
  const warnings = [
    ...summaryWarnings(run).map((w) => wrapLines(`warning: ${w}`, width, '  ')),
    ...(run.notes ?? []).map((n) => wrapLines(`note: ${n}`, width, '  ')),
  ];
  let table = draw(rows, color, undefined);
  if (width !== undefined && widestLine(table) > width) {
    // Four borders, and each column's widest text with a space either side.
    const widest = (i: number) => Math.max(HEAD[i].length, ...rows.map((r) => visibleLength(r[i])));
    const unitWidth = width - 4 - (widest(0) + 2) - (widest(1) + 2) - 2;
    table =
      unitWidth >= MIN_UNIT_COLUMN
        ? draw(rows, color, unitWidth)
        : rows.map(([f, v, u]) => wrapLines(`${f}  ${v}  ${u}`, width, '    ')).join('\n');
  }
  return [table, ...warnings].join('\n');
}

function bytesText(bytes: number | undefined): string {
  return bytes === undefined ? '-' : formatBytes(bytes);
}

const HEAD = ['figure', 'value', 'unit'] as const;

function draw(rows: ReadonlyArray<[string, string, string]>, color: boolean, unitWidth: number | undefined): string {
  const colours = palette(color);
  const table = new Table({
    head: [[HEAD[0]], [HEAD[1]], wrapCell('unit (who counts)', unitWidth)].map((lines) => lines.map((l) => colours.cyan(l)).join('\n')),
    ...UNSTYLED_TABLE,
  });
  for (const [figure, value, unit] of rows) table.push([figure, value, wrapCell(unit, unitWidth).join('\n')]);
  return greyBorders(table.toString(), colours);
}

/** Rows of `bench test`'s summary table, one per figure of the test, from the catalogue: figure, value, unit (who counts it). */
export function summaryRows(run: RunObject): Array<[string, string, string]> {
  if (!run.summary) return [];
  const values = testFigureValues(run.test, run.summary);
  return figuresOf(run.test)
    .filter((name) => values[name] !== undefined)
    .map((name) => [name, formatNumber(values[name]), `${figureInfo(name).unit} (${whoCounts(name, run.test)})`]);
}

/** What a reader of the summary must be told before trusting it. */
export function summaryWarnings(run: RunObject): string[] {
  const shortfall = run.summary ? rateShortfall(run.summary) : null;
  return shortfall ? [shortfall] : [];
}

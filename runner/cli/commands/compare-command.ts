import { UsageError } from '../../core/errors.js';
import { ALL_FIGURES } from '../../core/figure-catalog.js';
import type { ResultsFile } from '../../core/results-file.js';
import { DEFAULT_THRESHOLD } from '../../core/defaults.js';
import { compareResults, type Comparison, type FigureSelection } from '../../report/compare/compare-results.js';
import { formatComparisonText } from '../../report/compare/compare-text.js';
import { loadResults } from '../../report/load-results.js';
import { didYouMean, listWords } from '../../scenario/did-you-mean.js';
import { resultsFromRunLog } from '../../scenario/run-log-results.js';
import { EXIT } from '../report-failure.js';

export interface CompareCommandOptions {
  threshold?: string | number;
  format?: string;
  figures?: string | number | Array<string | number>;
  /** `name=value`, repeatable (cac gives an array then). */
  floor?: string | number | Array<string | number>;
}

const FORMATS = ['text', 'md', 'html', 'json'] as const;
type CompareFormat = (typeof FORMATS)[number];

/**
 * `bench compare BASE NEW`: prints the comparison; exit 1 on a regression,
 * 0 otherwise, and 2 when nothing could be compared (no run in common, or
 * none has the chosen figures), so a CI gate never passes on nothing.
 */
export async function compareCommand(basePath: string, newPath: string, options: CompareCommandOptions = {}): Promise<number> {
  const threshold = parseThreshold(options.threshold ?? DEFAULT_THRESHOLD);
  const format = parseFormat(String(options.format ?? 'text'));
  const [base, next] = await Promise.all([
    loadResults(basePath, { fromRunLog: resultsFromRunLog }),
    loadResults(newPath, { fromRunLog: resultsFromRunLog }),
  ]);
  const known = knownFigures(base, next);
  const figures = parseFigures(options.figures, known);
  const floors = parseFloors(options.floor, known);
  const comparison = compareResults(base, next, { thresholdPercent: threshold, figures, floors, paths: { base: basePath, new: newPath } });
  process.stdout.write(await render(comparison, format));
  if (comparison.outcome === 'nothing_compared') {
    process.stderr.write(`bench: ${nothingComparedText(comparison, basePath, newPath)}\n`);
    return EXIT.usage;
  }
  return comparison.outcome === 'regression' ? EXIT.failed : EXIT.ok;
}

async function render(c: Comparison, format: CompareFormat): Promise<string> {
  if (format === 'json') return `${JSON.stringify(c, null, 2)}\n`;
  if (format === 'text') return formatComparisonText(c);
  // Handlebars loads only for the formats that need it.
  return (await import('../../report/render-report.js')).renderComparison(c, format);
}

function nothingComparedText(c: Comparison, basePath: string, newPath: string): string {
  if (c.matched.length === 0) {
    return `no run in common: '${basePath}' and '${newPath}' share no test with the same peer and parameters - compare results of the same scenario (runs match by test, peer and parameters, not by label)`;
  }
  const have = [...new Set(c.matched.map((g) => g.test))].join(', ');
  const one = c.matched.length === 1;
  return `nothing compared: the ${c.matched.length} run${one ? '' : 's'} in common (${have}) ${one ? 'has' : 'have'} none of the figures chosen with --figures - pick figures those tests produce, or leave out --figures for the headline ones`;
}

/** `5%`, `5` or `2.5%`: a change of more than this many percent is flagged. */
function parseThreshold(input: string | number): number {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(String(input).trim());
  if (!m) throw new UsageError(`invalid --threshold '${input}': write a percentage, such as 5% or 2.5%`);
  return Number(m[1]);
}

function parseFormat(input: string): CompareFormat {
  if ((FORMATS as readonly string[]).includes(input)) return input as CompareFormat;
  throw new UsageError(`unknown compare format '${input}': use ${listWords([...FORMATS], 'or')}`);
}

/** Every catalogued figure, and any other a group of either file holds (a newer bench's). */
function knownFigures(base: ResultsFile, next: ResultsFile): string[] {
  return [...new Set([...ALL_FIGURES, ...[base, next].flatMap((r) => r.groups.flatMap((g) => Object.keys(g.figures)))])];
}

function listOf(value: string | number | Array<string | number>): string[] {
  return (Array.isArray(value) ? value : [value])
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function checkFigureName(name: string, known: readonly string[], option: string): string {
  if (known.includes(name)) return name;
  const guess = didYouMean(name, known);
  const hint = guess !== undefined ? `did you mean '${guess}'?` : `figures are ${listWords([...ALL_FIGURES])}`;
  throw new UsageError(`unknown figure '${name}' in ${option}: ${hint}`);
}

/** `--figures throughput_mbps,latency_us.p99`, `--figures all`; without it, each test's headline figures. */
function parseFigures(input: CompareCommandOptions['figures'], known: readonly string[]): FigureSelection {
  if (input === undefined) return 'headline';
  const names = listOf(input);
  if (names.length === 0)
    throw new UsageError('--figures needs figure names, such as --figures throughput_mbps,latency_us.p99 (or all, or headline)');
  if (names.length === 1 && (names[0] === 'all' || names[0] === 'headline')) return names[0];
  return names.map((n) => checkFigureName(n, known, '--figures'));
}

/** `--floor loss_percent=0.2 --floor jitter_ms=0`: a change no larger than this, in the figure's unit, is never flagged. */
function parseFloors(input: CompareCommandOptions['floor'], known: readonly string[]): Record<string, number> {
  const floors: Record<string, number> = {};
  if (input === undefined) return floors;
  for (const item of listOf(input)) {
    const m = /^([^=\s]+)\s*=\s*(\d+(?:\.\d+)?)$/.exec(item);
    if (!m) throw new UsageError(`invalid --floor '${item}': write figure=value in the figure's unit, such as --floor loss_percent=0.1`);
    floors[checkFigureName(m[1], known, '--floor')] = Number(m[2]);
  }
  return floors;
}

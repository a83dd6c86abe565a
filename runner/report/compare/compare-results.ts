import type { FigureStatistics, ResultsFile, RunGroup } from '../../core/results-file.js';
import type { TestName, TestParams } from '../../core/test-params.js';
import { compareFigureNames, figureInfo, isVolume } from '../../core/figure-catalog.js';
import { describeParams, formatNumber, formatUtc } from '../format.js';

/**
 * `bench compare`: groups of two results files matched by what they measured
 * (test, peer, params), never by run id or label, and each figure's mean
 * compared. A change beyond the threshold in the worse direction (throughput
 * down; latency, loss or jitter up, as each figure's `better` says) is a
 * regression; in the better direction it is an improvement, shown but not
 * failing.
 */
export type ChangeFlag = 'regression' | 'improvement' | 'unchanged' | 'missing' | 'added';

export interface FigureChange {
  figure: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  base: number | null;
  new: number | null;
  /** (new - base) / base in percent; ±Infinity from a base of 0; null when either side has no value. */
  change_percent: number | null;
  flag: ChangeFlag;
  base_text: string;
  new_text: string;
  change_text: string;
  flag_text: string;
  regression: boolean;
  improvement: boolean;
}

export interface MatchedGroup {
  label: string;
  /** The label in the new file, when it differs. */
  new_label: string | null;
  test: TestName;
  peer: string;
  params_text: string;
  figures: FigureChange[];
}

export interface UnmatchedGroup {
  label: string;
  test: TestName;
  peer: string;
  params_text: string;
}

export interface ComparedFile {
  path: string;
  scenario: string;
  started_at: string;
  started_text: string;
}

export interface Comparison {
  base: ComparedFile;
  new: ComparedFile;
  threshold_percent: number;
  threshold_text: string;
  matched: MatchedGroup[];
  only_in_base: UnmatchedGroup[];
  only_in_new: UnmatchedGroup[];
  regressions: number;
  improvements: number;
  unchanged: number;
  summary_text: string;
}

/** Parameters that change what a run measures; timeout_s only says when to give up on a silent peer. */
const NOT_MATCHED: ReadonlySet<keyof TestParams> = new Set(['timeout_s']);

export function matchKey(group: RunGroup): string {
  const params = Object.keys(group.params)
    .filter((k) => !NOT_MATCHED.has(k as keyof TestParams))
    .sort()
    .map((k) => [k, group.params[k as keyof TestParams]]);
  return JSON.stringify([group.test, group.peer, params]);
}

export function compareResults(
  base: ResultsFile,
  next: ResultsFile,
  thresholdPercent: number,
  paths: { base: string; new: string },
): Comparison {
  const waiting = new Map<string, RunGroup[]>();
  for (const g of next.groups) {
    const key = matchKey(g);
    waiting.set(key, [...(waiting.get(key) ?? []), g]);
  }
  const matched: MatchedGroup[] = [];
  const onlyInBase: UnmatchedGroup[] = [];
  for (const b of base.groups) {
    // Two groups measuring the same thing in one file pair up in the order they ran.
    const n = waiting.get(matchKey(b))?.shift();
    if (!n) {
      onlyInBase.push(unmatched(b));
      continue;
    }
    matched.push({
      label: b.label,
      new_label: n.label === b.label ? null : n.label,
      test: b.test,
      peer: b.peer,
      params_text: describeParams(b.params),
      figures: compareFigures(b.figures, n.figures, thresholdPercent),
    });
  }
  const onlyInNew = [...waiting.values()].flat().map(unmatched);
  const all = matched.flatMap((m) => m.figures);
  const regressions = all.filter((f) => f.regression).length;
  const improvements = all.filter((f) => f.improvement).length;
  const unchanged = all.filter((f) => f.flag === 'unchanged').length;
  const thresholdText = `${formatNumber(thresholdPercent)}%`;
  return {
    base: comparedFile(base, paths.base),
    new: comparedFile(next, paths.new),
    threshold_percent: thresholdPercent,
    threshold_text: thresholdText,
    matched,
    only_in_base: onlyInBase,
    only_in_new: onlyInNew,
    regressions,
    improvements,
    unchanged,
    summary_text: summaryText(regressions, improvements, unchanged, thresholdText, matched.length),
  };
}

function compareFigures(
  base: Record<string, FigureStatistics>,
  next: Record<string, FigureStatistics>,
  threshold: number,
): FigureChange[] {
  const present = (s: FigureStatistics | undefined): s is FigureStatistics => s !== undefined && s.n > 0;
  const names = [...new Set([...Object.keys(base), ...Object.keys(next)])]
    // Bytes and packets moved follow throughput; comparing them too would count one change several times.
    .filter((name) => !isVolume(name) && (present(base[name]) || present(next[name])))
    .sort(compareFigureNames);
  return names.map((name) => {
    const info = figureInfo(name);
    const b = present(base[name]) ? base[name] : undefined;
    const n = present(next[name]) ? next[name] : undefined;
    const better = b?.better ?? n?.better ?? info.better;
    const change = b && n ? percentChange(b.mean, n.mean) : null;
    const flag = flagOf(b, n, change, better, threshold);
    return {
      figure: name,
      label: info.label,
      unit: info.unit,
      better,
      base: b?.mean ?? null,
      new: n?.mean ?? null,
      change_percent: change,
      flag,
      base_text: b ? formatNumber(b.mean) : '—',
      new_text: n ? formatNumber(n.mean) : '—',
      change_text: changeText(change, b?.mean),
      flag_text: FLAG_TEXT[flag],
      regression: flag === 'regression' || flag === 'missing',
      improvement: flag === 'improvement',
    };
  });
}

const FLAG_TEXT: Record<ChangeFlag, string> = {
  regression: 'REGRESSION',
  improvement: 'improvement',
  unchanged: '',
  // A figure the base had and the new file lost: its runs failed, which is worse than slow.
  missing: 'REGRESSION (no result)',
  added: 'new figure',
};

export function percentChange(base: number, next: number): number {
  if (base === 0) return next === 0 ? 0 : next > 0 ? Infinity : -Infinity;
  return ((next - base) / Math.abs(base)) * 100;
}

function flagOf(
  b: FigureStatistics | undefined,
  n: FigureStatistics | undefined,
  change: number | null,
  better: 'higher' | 'lower',
  threshold: number,
): ChangeFlag {
  if (b && !n) return 'missing';
  if (!b) return 'added';
  if (change === null || Math.abs(change) <= threshold) return 'unchanged';
  const worse = better === 'higher' ? change < 0 : change > 0;
  return worse ? 'regression' : 'improvement';
}

function changeText(change: number | null, base: number | undefined): string {
  if (change === null) return '—';
  if (!Number.isFinite(change)) return `from ${formatNumber(base ?? 0)}`;
  const rounded = Math.round(change * 10) / 10;
  return `${rounded > 0 ? '+' : rounded < 0 ? '-' : ''}${Math.abs(rounded).toFixed(1)}%`;
}

function unmatched(g: RunGroup): UnmatchedGroup {
  return { label: g.label, test: g.test, peer: g.peer, params_text: describeParams(g.params) };
}

function comparedFile(results: ResultsFile, path: string): ComparedFile {
  return { path, scenario: results.scenario.name, started_at: results.started_at, started_text: formatUtc(results.started_at) };
}

function summaryText(regressions: number, improvements: number, unchanged: number, threshold: string, matched: number): string {
  if (matched === 0) return 'No runs matched: the two files share no test with the same peer and parameters.';
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(regressions, 'regression')}, ${plural(improvements, 'improvement')}, ${unchanged} within ${threshold} across ${plural(matched, 'matched run')}.`;
}

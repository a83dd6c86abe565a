import type { ResultsFile, RunGroup } from '../../core/results-file.js';
import { isTestName, TEST_NAMES, type TestName, type TestParams } from '../../core/test-params.js';
import { compareFigureNames, figureInfo, formatNumber, HEADLINE_FIGURES, isVolume } from '../../core/figure-catalog.js';
import { describeParams } from '../../core/params.js';
import { formatUtc } from '../../core/units.js';
import { ResultsFileError } from '../load-results.js';
import { DEFAULT_FLOORS } from '../../core/defaults.js';

/**
 * `bench compare`: groups of two results files matched by what they measured
 * (test, peer, params), never by run id or label, and each chosen figure's
 * mean compared, as critcmp and hyperfine do: a change is a regression only
 * when it is beyond the threshold, beyond the figure's absolute floor, and
 * the two 95% confidence intervals (from the repeats) do not overlap. With
 * one repeat on a side there is no interval, so the change is shown but not
 * judged; across data paths (native C loops against Node sockets, which
 * measure 2-4x apart) it is shown but not compared.
 */
export type ChangeFlag = 'regression' | 'improvement' | 'unchanged' | 'noise' | 'not_judged' | 'data_path_differs' | 'missing' | 'added';

/** `headline`: each test's headline figures; `all`: every figure but the volumes; or these names. */
export type FigureSelection = 'headline' | 'all' | readonly string[];

/** One side of a figure: the mean across repeats, its 95% CI half-width (null below two repeats), and how many. */
export interface FigureSide {
  mean: number;
  ci95: number | null;
  n: number;
}

export interface FigureChange {
  figure: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  base: FigureSide | null;
  new: FigureSide | null;
  /** new - base, in the figure's unit; null when either side has no value. */
  change: number | null;
  /** (new - base) / base in percent; null when either side has no value or the base is 0 (see `change`). */
  change_percent: number | null;
  /** A change no larger than this (in the figure's unit) is never flagged; null when the figure has no floor. */
  floor: number | null;
  flag: ChangeFlag;
  base_text: string;
  new_text: string;
  change_text: string;
  flag_text: string;
  regression: boolean;
  improvement: boolean;
}

export type DataPath = 'native' | 'js' | 'mixed';

export interface MatchedGroup {
  label: string;
  /** The label in the new file, when it differs. */
  new_label: string | null;
  test: TestName;
  peer: string;
  params_text: string;
  /** Null when the file does not say (a failed group, or a file from before data paths were recorded). */
  base_data_path: DataPath | null;
  new_data_path: DataPath | null;
  /** Why this group's changes are not judged, when the data paths differ; null otherwise. */
  data_path_note: string | null;
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

export interface ComparisonCounts {
  regressions: number;
  improvements: number;
  unchanged: number;
  noise: number;
  not_judged: number;
  data_path_differs: number;
  missing: number;
  added: number;
}

export interface Comparison extends ComparisonCounts {
  /** Bumped when a field changes meaning; docs/report-data-model.md describes version 1. */
  compare_version: 1;
  base: ComparedFile;
  new: ComparedFile;
  threshold_percent: number;
  threshold_text: string;
  /** 'headline', 'all' or the names chosen with --figures. */
  figures: 'headline' | 'all' | string[];
  /** Absolute floors in effect, by figure name, in the figure's unit. */
  floors: Record<string, number>;
  floors_text: string;
  /** `regression` (exit 1), `ok` (exit 0) or `nothing_compared` (exit 2: no run in common, or no chosen figure in them). */
  outcome: 'regression' | 'ok' | 'nothing_compared';
  matched: MatchedGroup[];
  only_in_base: UnmatchedGroup[];
  only_in_new: UnmatchedGroup[];
  summary_text: string;
}

const DATA_PATH_WHY = 'the two paths measure 2-4x apart; compare like with like';

export interface CompareOptions {
  thresholdPercent: number;
  figures?: FigureSelection;
  /** Floors to set or override, merged over DEFAULT_FLOORS. */
  floors?: Readonly<Record<string, number>>;
  paths: { base: string; new: string };
}

/** Parameters that change what a run measures; timeout_s only says when to give up on a silent peer. */
const NOT_MATCHED: ReadonlySet<keyof TestParams> = new Set(['timeout_s']);

/** `from` is the host that ran the client side ('' for the machine running bench), as fromOfGroups gives it. */
export function matchKey(group: RunGroup, from = ''): string {
  const params = Object.keys(group.params)
    .filter((k) => !NOT_MATCHED.has(k as keyof TestParams))
    .sort()
    .map((k) => [k, group.params[k as keyof TestParams]]);
  return JSON.stringify([group.test, from, group.peer, params]);
}

/**
 * Per group, the host that ran its client side, read from its runs: the name
 * that host's server reported (stable where addresses are not, as a
 * cluster's pods), else its address; '' for the machine that ran bench.
 */
function fromOfGroups(file: ResultsFile): (group: RunGroup) => string {
  const byId = new Map(file.runs.map((r) => [r.id, r]));
  return (group) => {
    for (const id of group.run_ids) {
      const from = byId.get(id)?.from;
      if (from) return from.name ?? `${from.host}:${from.port}`;
    }
    return '';
  };
}

export function compareResults(base: ResultsFile, next: ResultsFile, options: CompareOptions): Comparison {
  checkGroups(base, options.paths.base);
  checkGroups(next, options.paths.new);
  const selection = options.figures ?? 'headline';
  const floors = { ...DEFAULT_FLOORS, ...options.floors };
  const threshold = options.thresholdPercent;

  const waiting = new Map<string, RunGroup[]>();
  const baseFrom = fromOfGroups(base);
  const nextFrom = fromOfGroups(next);
  for (const g of next.groups) {
    const key = matchKey(g, nextFrom(g));
    waiting.set(key, [...(waiting.get(key) ?? []), g]);
  }
  const matched: MatchedGroup[] = [];
  const onlyInBase: UnmatchedGroup[] = [];
  for (const b of base.groups) {
    // Two groups measuring the same thing in one file pair up in the order they ran.
    const n = waiting.get(matchKey(b, baseFrom(b)))?.shift();
    if (!n) {
      onlyInBase.push(unmatched(b));
      continue;
    }
    const basePath = b.data_path ?? null;
    const newPath = n.data_path ?? null;
    const pathsDiffer = basePath !== null && newPath !== null && basePath !== newPath;
    matched.push({
      label: b.label,
      new_label: n.label === b.label ? null : n.label,
      test: b.test,
      peer: b.peer,
      params_text: describeParams(b.params),
      base_data_path: basePath,
      new_data_path: newPath,
      data_path_note: pathsDiffer ? `data path differs: ${basePath} vs ${newPath} - ${DATA_PATH_WHY}` : null,
      figures: compareFigures(b, n, selection, { threshold, floors, pathsDiffer }),
    });
  }
  const onlyInNew = [...waiting.values()].flat().map(unmatched);
  const counts = countFlags(matched.flatMap((m) => m.figures));
  const thresholdText = `${formatNumber(threshold)}%`;
  const compared = new Set(matched.flatMap((m) => m.figures.map((f) => f.figure)));
  const outcome = compared.size === 0 ? 'nothing_compared' : counts.regressions > 0 ? 'regression' : 'ok';
  return {
    compare_version: 1,
    base: comparedFile(base, options.paths.base),
    new: comparedFile(next, options.paths.new),
    threshold_percent: threshold,
    threshold_text: thresholdText,
    figures: typeof selection === 'string' ? selection : [...selection],
    floors,
    // The floors of the figures compared: an RRUL figure's floor says nothing beside TCP_STREAM runs.
    floors_text: Object.entries(floors)
      .filter(([name, v]) => v > 0 && compared.has(name))
      .map(([name, v]) => `${name} ${formatNumber(v)} ${figureInfo(name).unit}`)
      .join(', '),
    outcome,
    matched,
    only_in_base: onlyInBase,
    only_in_new: onlyInNew,
    ...counts,
    summary_text: summaryText(counts, matched.length, outcome, selection),
  };
}

interface Rules {
  threshold: number;
  floors: Readonly<Record<string, number>>;
  pathsDiffer: boolean;
}

function compareFigures(base: RunGroup, next: RunGroup, selection: FigureSelection, rules: Rules): FigureChange[] {
  const side = (g: RunGroup, name: string): FigureSide | null => {
    const s = g.figures[name];
    return s !== undefined && s.n > 0 ? { mean: s.mean, ci95: s.n >= 2 ? s.ci95 : null, n: s.n } : null;
  };
  const chosen =
    selection === 'headline'
      ? [...HEADLINE_FIGURES[base.test]]
      : selection === 'all'
        ? // Bytes and packets moved follow throughput; comparing them too would count one change several times.
          [...Object.keys(base.figures), ...Object.keys(next.figures)].filter((name) => !isVolume(name))
        : selection;
  const names = [...new Set(chosen)].filter((name) => side(base, name) !== null || side(next, name) !== null).sort(compareFigureNames);
  return names.map((name) => {
    const info = figureInfo(name);
    const b = side(base, name);
    const n = side(next, name);
    const better = base.figures[name]?.better ?? next.figures[name]?.better ?? info.better;
    const change = b && n ? n.mean - b.mean : null;
    const changePercent = b && n && b.mean !== 0 ? (change! / Math.abs(b.mean)) * 100 : null;
    const floor = rules.floors[name] ?? null;
    const flag = flagOf(b, n, change, changePercent, better, floor, rules);
    return {
      figure: name,
      label: info.label,
      unit: info.unit,
      better,
      base: b,
      new: n,
      change,
      change_percent: changePercent,
      floor,
      flag,
      base_text: sideText(b),
      new_text: sideText(n),
      change_text: changeText(change, changePercent),
      flag_text: flagText(flag, b, n, floor, change),
      regression: flag === 'regression' || flag === 'missing',
      improvement: flag === 'improvement',
    };
  });
}

function flagOf(
  b: FigureSide | null,
  n: FigureSide | null,
  change: number | null,
  changePercent: number | null,
  better: 'higher' | 'lower',
  floor: number | null,
  rules: Rules,
): ChangeFlag {
  // A figure the base had and the new file lost: its runs failed, which is worse than slow.
  if (b && !n) return 'missing';
  if (!b || !n || change === null) return 'added';
  if (change === 0) return 'unchanged';
  // From a base of 0 any change is infinitely many percent: only the floor can judge it.
  if (changePercent !== null && Math.abs(changePercent) <= rules.threshold) return 'unchanged';
  if (floor !== null && Math.abs(change) <= floor) return 'unchanged';
  if (rules.pathsDiffer) return 'data_path_differs';
  if (b.ci95 === null || n.ci95 === null) return 'not_judged';
  const overlap = Math.max(b.mean - b.ci95, n.mean - n.ci95) <= Math.min(b.mean + b.ci95, n.mean + n.ci95);
  if (overlap) return 'noise';
  const worse = better === 'higher' ? change < 0 : change > 0;
  return worse ? 'regression' : 'improvement';
}

function flagText(flag: ChangeFlag, b: FigureSide | null, n: FigureSide | null, floor: number | null, change: number | null): string {
  switch (flag) {
    case 'regression':
      return 'REGRESSION';
    case 'improvement':
      return 'improvement';
    case 'unchanged':
      return floor !== null && change !== null && change !== 0 && Math.abs(change) <= floor ? `within floor ${formatNumber(floor)}` : '';
    case 'noise':
      return 'noise: 95% CIs overlap';
    case 'not_judged': {
      const few = Math.min(b?.n ?? 0, n?.n ?? 0);
      return `not judged: ${few} repeat${few === 1 ? '' : 's'}`;
    }
    case 'data_path_differs':
      return 'not compared: data path differs';
    case 'missing':
      return 'REGRESSION (no result)';
    case 'added':
      return 'new figure';
  }
}

/** `14234 ± 120`, or the mean alone with one repeat. */
function sideText(s: FigureSide | null): string {
  if (!s) return '—';
  return s.ci95 === null ? formatNumber(s.mean) : `${formatNumber(s.mean)} ± ${formatNumber(s.ci95)}`;
}

/** `-20.0%`; from a base of 0, the absolute change (`+0.3 from 0`), never "+infinity %". */
function changeText(change: number | null, changePercent: number | null): string {
  if (change === null) return '—';
  if (changePercent === null) return change === 0 ? '0' : `${change > 0 ? '+' : '-'}${formatNumber(Math.abs(change))} from 0`;
  const rounded = Math.round(changePercent * 10) / 10;
  return `${rounded > 0 ? '+' : rounded < 0 ? '-' : ''}${Math.abs(rounded).toFixed(1)}%`;
}

function countFlags(figures: readonly FigureChange[]): ComparisonCounts {
  const count = (flag: ChangeFlag): number => figures.filter((f) => f.flag === flag).length;
  return {
    regressions: figures.filter((f) => f.regression).length,
    improvements: count('improvement'),
    unchanged: count('unchanged'),
    noise: count('noise'),
    not_judged: count('not_judged'),
    data_path_differs: count('data_path_differs'),
    missing: count('missing'),
    added: count('added'),
  };
}

function summaryText(c: ComparisonCounts, matched: number, outcome: Comparison['outcome'], selection: FigureSelection): string {
  if (matched === 0) return 'No runs in common: the two files share no test with the same peer and parameters.';
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (outcome === 'nothing_compared') {
    const which = typeof selection === 'string' ? `${selection} figures` : selection.join(', ');
    return `Nothing compared: no ${which} in the ${plural(matched, 'matched run')}.`;
  }
  const parts = [plural(c.regressions, 'regression'), plural(c.improvements, 'improvement')];
  if (c.noise > 0) parts.push(`${c.noise} within noise`);
  if (c.not_judged > 0) parts.push(`${c.not_judged} not judged (one repeat)`);
  if (c.data_path_differs > 0) parts.push(`${c.data_path_differs} not compared (data path differs)`);
  if (c.added > 0) parts.push(plural(c.added, 'new figure'));
  parts.push(`${c.unchanged} unchanged`);
  return `${parts.join(', ')} across ${plural(matched, 'matched run')}.`;
}

function unmatched(g: RunGroup): UnmatchedGroup {
  return { label: g.label, test: g.test, peer: g.peer, params_text: describeParams(g.params) };
}

function comparedFile(results: ResultsFile, path: string): ComparedFile {
  return { path, scenario: results.scenario.name, started_at: results.started_at, started_text: formatUtc(results.started_at) };
}

const DESCRIBED_PARAMS = [
  'duration_s',
  'omit_s',
  'size_bytes',
  'request_size_bytes',
  'response_size_bytes',
  'rate_bps',
  'streams',
] as const;
const GROUP_DATA_PATHS: readonly unknown[] = ['native', 'js', 'mixed', null, undefined];
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The fields compare turns into figures, checked first: the file is the
 * user's (or a stranger's), and a NaN or a string mean would otherwise
 * become a verdict.
 */
function checkGroups(results: ResultsFile, path: string): void {
  const fail = (where: string, what: string, value: unknown): never => {
    // Names and values are the file's: escape what JSON leaves raw (DEL, C1) before it reaches a terminal.
    const shown = `${where} should be ${what}, not ${JSON.stringify(value)?.slice(0, 40)}`.replace(
      /[\u007f-\u009f]/g,
      (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    throw new ResultsFileError(`cannot compare '${path}': ${shown} - pass the results.json that bench run wrote`);
  };
  results.groups.forEach((g, i) => {
    if (typeof g.test !== 'string' || !isTestName(g.test)) fail(`groups[${i}].test`, `one of ${TEST_NAMES.join(', ')}`, g.test);
    if (typeof g.peer !== 'string') fail(`groups[${i}].peer`, 'a string', g.peer);
    // The parameters a run is described and matched by.
    for (const key of DESCRIBED_PARAMS) {
      const v = (g.params as unknown as Record<string, unknown>)[key];
      if (!(isFiniteNumber(v) && v >= 0)) fail(`groups[${i}].params.${key}`, 'a number >= 0', v);
    }
    if (!GROUP_DATA_PATHS.includes(g.data_path)) fail(`groups[${i}].data_path`, "'native', 'js', 'mixed' or null", g.data_path);
    for (const [name, s] of Object.entries(g.figures)) {
      const at = `groups[${i}].figures${/^[\w.]+$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`}`;
      if (typeof s !== 'object' || s === null) fail(at, 'an object', s);
      if (!Number.isInteger(s.n) || s.n < 0) fail(`${at}.n`, 'a whole number', s.n);
      if (!isFiniteNumber(s.mean)) fail(`${at}.mean`, 'a number', s.mean);
      if (s.ci95 !== null && !(isFiniteNumber(s.ci95) && s.ci95 >= 0)) fail(`${at}.ci95`, 'a number >= 0 or null', s.ci95);
      if (s.better !== 'higher' && s.better !== 'lower') fail(`${at}.better`, "'higher' or 'lower'", s.better);
    }
  });
}

import { parse as parseYaml } from 'yaml';
import type { FigureStatistics, ResultsFile, RunGroup } from '../core/results-file.js';
import type { RunObject } from '../core/run-object.js';
import { formatDuration, formatElapsed, formatUtc } from '../core/units.js';
import { describeParams } from '../core/params.js';
import { socketText } from '../core/run-object.js';
import {
  compareFigureNames,
  figureInfo,
  figureValues,
  formatCi,
  formatNumber,
  HEADLINE_FIGURES,
  isCounter,
  isVolume,
  rateShortfall,
} from '../core/figure-catalog.js';
import {
  padIndex,
  type ExpectationView,
  type FigureView,
  type GroupView,
  type PeerView,
  type ReportModel,
  type RunView,
  type VerdictView,
} from './report-model.js';
import { meshViews } from './mesh-matrices.js';
import { isRrulRun, rrulHeadline, rrulView } from './rrul.js';
import { runCharts } from './run-charts.js';
import { buildSweep, findSweepFamilies } from './sweeps.js';
import { formatHostPort } from '../core/host-port.js';

/** results.json to the values a report shows; pure, so every format and template sees the same figures. */
export function buildReportModel(results: ResultsFile, format: 'html' | 'md', version: string): ReportModel {
  const groupOfRun = new Map<string, RunGroup>();
  for (const g of results.groups) for (const id of g.run_ids) groupOfRun.set(id, g);

  const groups = results.groups.map((g, i) => groupView(g, i + 1, results.runs));
  const runs = results.runs.map((r, i) => runView(r, i + 1, groupOfRun.get(r.id)));
  const okRuns = new Set(results.runs.filter((r) => r.status === 'ok').map((r) => r.id));
  const runsOk = (g: RunGroup): number => g.run_ids.filter((id) => okRuns.has(id)).length;
  const sweeps = findSweepFamilies(results).map((family, i) => buildSweep(family, i + 1, runsOk));
  const charts = [...sweeps.flatMap((s) => s.charts), ...groups.flatMap((g) => g.charts), ...runs.flatMap((r) => r.charts)];
  const failed = runs.filter((r) => !r.ok);
  const started = Date.parse(results.started_at);
  const finished = Date.parse(results.finished_at);
  const elapsed = Number.isFinite(finished - started) ? Math.max(0, (finished - started) / 1000) : 0;
  const peers = peerViews(results, groupOfRun);

  return {
    format,
    title: scenarioTitle(results),
    generator: { name: 'bench', version },
    scenario: {
      name: results.scenario.name,
      description: results.scenario.description ?? null,
      file: results.scenario.file,
      sha256: results.scenario.sha256,
      text: results.scenario.text,
    },
    note: results.note ?? null,
    interrupted: results.interrupted === true,
    started_at: results.started_at,
    started_text: formatUtc(results.started_at),
    finished_at: results.finished_at,
    finished_text: formatUtc(results.finished_at),
    elapsed_s: elapsed,
    elapsed_text: formatElapsed(elapsed),
    host: results.host,
    peers,
    peers_text: peersText(peers),
    counts: {
      runs: runs.length,
      ok: runs.length - failed.length,
      failed: failed.length,
      groups: groups.length,
      sweeps: sweeps.length,
      charts: charts.length,
    },
    verdict: verdictView(results, runs),
    groups,
    sweeps,
    runs,
    failed_runs: failed,
    charts,
    meshes: meshViews(results, format),
    rrul_runs: runs.filter((r) => r.rrul !== null),
  };
}

/**
 * The scenario's `report.title` (recorded with variables substituted), else
 * its name. Results written before that field existed carry the title only in
 * the scenario text.
 */
function scenarioTitle(results: ResultsFile): string {
  const recorded = results.scenario.report?.title;
  if (typeof recorded === 'string' && recorded.trim() !== '') return recorded.trim();
  try {
    const doc = parseYaml(results.scenario.text) as { report?: { title?: unknown } } | null;
    const title = doc?.report?.title;
    if (typeof title === 'string' && title.trim() !== '') return title.trim();
  } catch {
    // The text ran, so it parsed once; a report still renders if it somehow no longer does.
  }
  return results.scenario.name;
}

function figureView(name: string, s: FigureStatistics): FigureView {
  const info = figureInfo(name);
  return {
    name,
    label: info.label,
    unit: info.unit,
    n: s.n,
    mean: s.mean,
    ci95: s.ci95,
    min: s.min,
    max: s.max,
    better: s.better ?? info.better,
    mean_text: formatNumber(s.mean),
    ci95_text: formatCi(s.ci95),
    min_text: formatNumber(s.min),
    max_text: formatNumber(s.max),
  };
}

function groupView(g: RunGroup, index: number, allRuns: RunObject[]): GroupView {
  const figures = Object.keys(g.figures)
    .sort(compareFigureNames)
    .filter((name) => g.figures[name].n > 0 && !isVolume(name))
    .map((name) => figureView(name, g.figures[name]));
  const members = allRuns.filter((r) => g.run_ids.includes(r.id));
  const ok = members.filter((r) => r.status === 'ok').length;
  // `?? []`: a test the catalogue does not list (a newer bench's results) has no headline figures, not a crash.
  const headline = (HEADLINE_FIGURES[g.test] ?? []).flatMap((name) => figures.filter((f) => f.name === name));
  // Members in the order they ran, so repeat 1 is the first line of each chart.
  const chartRuns = [...members].sort((a, b) => (a.repeat_index ?? 0) - (b.repeat_index ?? 0));
  const shortfall = rateShortfall({ sender_mbps: g.figures.sender_mbps?.mean, target_mbps: g.figures.target_mbps?.mean });
  return {
    index,
    anchor: `group-${padIndex(index)}`,
    label: g.label,
    test: g.test,
    peer: g.peer,
    params: g.params,
    params_text: describeParams(g.params),
    sweep: g.sweep ?? {},
    sweep_text: Object.entries(g.sweep ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(', '),
    run_ids: g.run_ids,
    runs_total: g.run_ids.length,
    runs_ok: ok,
    runs_failed: g.run_ids.length - ok,
    headline_text: isRrulRun(g)
      ? rrulHeadline((name) => (g.figures[name]?.n ? g.figures[name].mean : undefined))
      : headline.length > 0
        ? headline.map((f) => `${f.label} ${f.mean_text} ${f.unit}`).join(', ')
        : 'no result',
    headline,
    figures,
    warnings: shortfall ? [`Rate not reached: ${shortfall}.`] : [],
    // Issue 16: with one repeat, Mean, Min and Max are the same number three times.
    single_repeat: figures.length > 0 && figures.every((f) => f.n === 1),
    charts: runCharts(chartRuns, `group-${padIndex(index)}`, g.label),
  };
}

function runView(run: RunObject, index: number, group: RunGroup | undefined): RunView {
  const label = run.label ?? group?.label ?? run.id;
  const repeats = group?.run_ids.length ?? 1;
  const repeatText = run.repeat_index !== undefined && repeats > 1 ? `repeat ${run.repeat_index + 1} of ${repeats}` : '';
  const figures = run.summary
    ? figureValues(run.summary)
        .filter(([name]) => !isCounter(name))
        .map(([name, value]) => {
          const info = figureInfo(name);
          return { name, label: info.label, unit: info.unit, value, value_text: formatNumber(value) };
        })
    : [];
  const headline = (HEADLINE_FIGURES[run.test] ?? []).flatMap((name) => figures.filter((f) => f.name === name));
  return {
    index,
    anchor: `run-${padIndex(index)}`,
    id: run.id,
    label,
    group_label: group?.label ?? null,
    test: run.test,
    repeat_index: run.repeat_index ?? null,
    repeat_text: repeatText,
    peer_text: peerText(run, group),
    params: run.params,
    params_text: describeParams(run.params),
    status: run.status,
    ok: run.status === 'ok',
    error: run.error ?? null,
    interrupted: run.interrupted === true,
    started_at: run.started_at,
    started_text: formatUtc(run.started_at),
    duration_s: run.duration_s,
    duration_text: formatDuration(run.duration_s),
    client_cpu_text: cpuText(run.client.cpu_percent, run.client.data_path),
    server_cpu_text: cpuText(run.server.cpu_percent, run.server.data_path),
    socket_text: socketText(run),
    notes: run.notes ?? [],
    interval_count: run.intervals.length,
    omitted_count: run.intervals.filter((r) => r.omitted).length,
    figures,
    headline_text: isRrulRun(run)
      ? rrulHeadline((name) => figures.find((f) => f.name === name)?.value)
      : headline.length > 0
        ? headline.map((f) => `${f.label} ${f.value_text} ${f.unit}`.trim()).join(', ')
        : 'no result',
    // A run of a group is charted with its repeats, in the group's charts.
    charts: group ? [] : runCharts([run], `run-${padIndex(index)}`, label),
    rrul: rrulView(run),
  };
}

/** '97.5 % (native data path)': the data threads' CPU, and what they ran. */
function cpuText(percent: number | null, dataPath: string | null | undefined): string {
  const cpu = percent === null ? '—' : `${formatNumber(percent)} %`;
  return dataPath ? `${cpu} (${dataPath} data path)` : cpu;
}

function peerText(run: RunObject, group: RunGroup | undefined): string {
  const where = formatHostPort(run.peer.host, run.peer.port);
  if (run.peer.embedded) return `embedded loopback server (${where})`;
  return group && group.peer !== where ? `${group.peer} (${where})` : where;
}

/**
 * The embedded server listens on a new port for every run: it is one peer, named once, by its host
 * alone when the ports differ (issue 16: the quickstart listed four "embedded" peers).
 */
function peerViews(results: ResultsFile, groupOfRun: Map<string, RunGroup>): PeerView[] {
  const peers = new Map<string, PeerView>();
  for (const run of results.runs) {
    const where = formatHostPort(run.peer.host, run.peer.port);
    const name = run.peer.embedded ? 'embedded' : (groupOfRun.get(run.id)?.peer ?? where);
    const key = run.peer.embedded ? `embedded ${run.peer.host}` : `${name} ${where}`;
    const peer = peers.get(key) ?? { name, address: where, embedded: run.peer.embedded, runs: 0 };
    if (peer.address !== where) peer.address = run.peer.host.includes(':') ? `[${run.peer.host}]` : run.peer.host;
    peer.runs++;
    peers.set(key, peer);
  }
  return [...peers.values()];
}

/** `all runs against the embedded loopback server (127.0.0.1)`, or each peer with its address: `lab-b (10.20.0.2:7575)`. */
function peersText(peers: PeerView[]): string {
  if (peers.length === 0) return 'none';
  const text = (p: PeerView): string => (p.embedded ? `embedded loopback server (${p.address})` : `${p.name} (${p.address})`);
  if (peers.length === 1 && peers[0].embedded) return `all runs against the ${text(peers[0])}`;
  return peers.map(text).join('; ');
}

function verdictView(results: ResultsFile, runs: RunView[]): VerdictView {
  const expectations: ExpectationView[] = results.expectations.map((e) => {
    const info = figureInfo(e.figure);
    return {
      label: e.label,
      figure: e.figure,
      figure_label: info.label,
      unit: info.unit,
      condition: e.condition,
      threshold: e.threshold,
      observed: e.observed,
      observed_text: e.observed === null ? 'no result' : `${formatNumber(e.observed)} ${info.unit}`.trim(),
      ok: e.ok,
      result_text: e.ok ? 'met' : 'not met',
    };
  });
  const met = expectations.filter((e) => e.ok).length;
  const unmet = expectations.length - met;
  // Issue 16: with every run failed there is nothing to judge, and a grey "no expectations" box hid it.
  const noneSucceeded = runs.length > 0 && runs.every((r) => !r.ok);
  const firstFailure = runs.find((r) => !r.ok);
  const firstError =
    noneSucceeded && firstFailure
      ? `${firstFailure.label}: ${firstFailure.error ? `${firstFailure.error.code} ${firstFailure.error.message}` : 'no error was recorded'}`
      : null;
  const status = noneSucceeded ? 'fail' : expectations.length === 0 ? 'none' : unmet === 0 ? 'pass' : 'fail';
  const headline = noneSucceeded
    ? `No run succeeded: ${runs.length} of ${runs.length} failed`
    : status === 'none'
      ? 'No expectations were set'
      : status === 'pass'
        ? expectations.length === 1
          ? 'The one expectation was met'
          : `All ${expectations.length} expectations met`
        : `${unmet} of ${expectations.length} expectation${expectations.length === 1 ? '' : 's'} not met`;
  return { status, passed: status !== 'fail', headline, first_error: firstError, total: expectations.length, met, unmet, expectations };
}

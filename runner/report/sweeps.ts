import type { ResultsFile, RunGroup } from '../core/results-file.js';
import { figureInfo, formatCi, formatNumber, HEADLINE_FIGURES } from '../core/figure-catalog.js';
import type { TestParams } from '../core/test-params.js';
import { renderSweepChart, type SweepSeries } from './charts/sweep-chart.js';
import { makeChart, padIndex, type SweepView } from './report-model.js';

/**
 * Sweeps: groups expanded from one scenario run that differ only by the swept
 * keys. Groups belong together when their runs share a scenario_index; for
 * results without one, when test, peer and every unswept parameter agree.
 */
interface SweepAxis {
  label: string;
  unit: string;
  param: keyof TestParams;
  factor: number;
  /** Counts (streams, bytes): the axis gets whole-number ticks. */
  integer: boolean;
}

/** Scenario sweep keys (and the params they resolve to) whose values are read from params, in a named unit. */
const AXES: Record<string, SweepAxis> = {
  rate: { label: 'offered rate', unit: 'Mbit/s', param: 'rate_bps', factor: 1e-6, integer: false },
  streams: { label: 'streams', unit: '', param: 'streams', factor: 1, integer: true },
  size: { label: 'message size', unit: 'bytes', param: 'size_bytes', factor: 1, integer: true },
  request_size: { label: 'request size', unit: 'bytes', param: 'request_size_bytes', factor: 1, integer: true },
  response_size: { label: 'response size', unit: 'bytes', param: 'response_size_bytes', factor: 1, integer: true },
  duration: { label: 'duration', unit: 's', param: 'duration_s', factor: 1, integer: false },
};
for (const axis of Object.values(AXES)) AXES[axis.param] = axis;

/**
 * A chart per figure, or per set of figures in one unit drawn as its series. Keyed by string: RRUL joins
 * TestName on the engine's side, and a test not listed here charts nothing.
 */
const SWEEP_FIGURES: Readonly<Record<string, ReadonlyArray<string | { name: string; figures: readonly string[] }>>> = {
  TCP_STREAM: ['throughput_mbps'],
  UDP_STREAM: ['throughput_mbps', 'loss_percent'],
  TCP_RR: ['transactions_per_sec', 'latency_us.p99'],
  UDP_RR: ['transactions_per_sec', 'latency_us.p99', 'loss_percent'],
  TCP_CRR: ['transactions_per_sec', 'latency_us.p99'],
  // Issue 13: how much the queue grows with the load, and what the load got.
  RRUL: ['latency_increase_ms', { name: 'throughput', figures: ['upload_mbps', 'download_mbps'] }],
};

/** The sweep table's figures where a test's headline is not what a sweep's reader compares: RRUL's medians, increase and load. */
const SWEEP_TABLE_FIGURES: Readonly<Record<string, readonly string[]>> = {
  RRUL: [
    'idle_latency_us.p50',
    'loaded_latency_us.p50',
    'latency_increase_ms',
    'responsiveness_rpm',
    'loaded_loss_percent',
    'upload_mbps',
    'download_mbps',
  ],
};

export function findSweepFamilies(results: ResultsFile): RunGroup[][] {
  const runs = new Map(results.runs.map((r) => [r.id, r]));
  const families = new Map<string, RunGroup[]>();
  for (const group of results.groups) {
    const keys = Object.keys(group.sweep ?? {});
    if (keys.length === 0) continue;
    const scenarioIndex = group.run_ids.map((id) => runs.get(id)?.scenario_index).find((i) => i !== undefined);
    const family =
      scenarioIndex !== undefined
        ? `index ${scenarioIndex}`
        : `${group.test} ${group.peer} ${[...keys].sort().join(',')} ${JSON.stringify(unsweptParams(group.params, keys))}`;
    const list = families.get(family) ?? [];
    list.push(group);
    families.set(family, list);
  }
  return [...families.values()].filter((f) => f.length >= 2);
}

function unsweptParams(params: TestParams, keys: string[]): Partial<TestParams> {
  const copy: Partial<TestParams> = { ...params };
  for (const key of keys) delete copy[AXES[key]?.param ?? (key as keyof TestParams)];
  return copy;
}

/**
 * `runsOk` gives how many of a group's runs finished: the table's `repeats` counts those, the
 * runs that count in its figures, not the runs that were tried (issue 16: an all-failed sweep read
 * "repeats 2").
 */
export function buildSweep(family: RunGroup[], index: number, runsOk: (g: RunGroup) => number): SweepView {
  const first = family[0];
  const keys = Object.keys(first.sweep);
  const xKey = keys[0];
  const otherKeys = keys.slice(1);
  const label = sharedLabel(family.map((g) => g.label)) || `sweep ${index}`;
  const axis = AXES[xKey];
  const rawValues = family.map((g) => g.sweep[xKey]);
  const numeric = axis !== undefined || rawValues.every((v) => Number.isFinite(Number(v)));
  const categories = numeric ? undefined : [...new Set(rawValues.map(String))];
  const xOf = (g: RunGroup): number =>
    axis ? Number(g.params[axis.param]) * axis.factor : numeric ? Number(g.sweep[xKey]) : categories!.indexOf(String(g.sweep[xKey]));
  const measured = (name: string): boolean => family.some((g) => (g.figures[name]?.n ?? 0) > 0);
  // A paced UDP sender can fall short of its rate (issue 16: 564 Mbit/s sent of 5G asked), so a
  // rate sweep plots each figure against the rate sent as well as the rate asked.
  const againstSent = first.test === 'UDP_STREAM' && axis?.param === 'rate_bps' && measured('sender_mbps');
  const xLabel = axis?.label ?? xKey;
  const xUnit = axis?.unit ?? '';
  const seriesName = (g: RunGroup): string => otherKeys.map((k) => `${k}=${g.sweep[k]}`).join(', ') || label;
  const ordered = [...family].sort((a, b) => xOf(a) - xOf(b));
  const charts = (SWEEP_FIGURES[first.test] ?? []).flatMap((entry) => {
    const shared = typeof entry === 'string' ? null : entry;
    const names = (shared ? shared.figures : [entry as string]).filter(measured);
    if (names.length === 0) return [];
    const info = figureInfo(names[0]);
    const bySeries = new Map<string, SweepSeries>();
    const add = (key: string, x: number, stats: { mean: number; ci95: number | null; n: number }): void => {
      const series = bySeries.get(key) ?? { name: key, points: [] };
      series.points.push({ x, mean: stats.mean, ci95: stats.n >= 2 ? stats.ci95 : null });
      bySeries.set(key, series);
    };
    for (const name of names) {
      // Figures sharing a chart are its series, named by their label (and the other swept keys).
      const named = (g: RunGroup): string =>
        shared ? [otherKeys.length > 0 ? seriesName(g) : '', figureInfo(name).label].filter((x) => x).join(', ') : seriesName(g);
      for (const g of ordered) {
        const stats = g.figures[name];
        if (!stats || stats.n === 0) continue;
        add(againstSent ? `${named(g)}, at the rate asked` : named(g), xOf(g), stats);
      }
      for (const g of againstSent ? ordered : []) {
        const stats = g.figures[name];
        const sent = g.figures.sender_mbps;
        if (stats && stats.n > 0 && sent && sent.n > 0) add(`${named(g)}, at the rate sent`, sent.mean, stats);
      }
    }
    const what = shared ? shared.name : info.label.toLowerCase();
    const title = `${label}: ${what} against ${xLabel}`;
    const chart = {
      title,
      xLabel: xUnit ? `${xLabel} (${xUnit})` : xLabel,
      yLabel: `${what} (${info.unit})`,
      categories,
      xInteger: axis?.integer ?? (numeric && rawValues.every((v) => Number.isInteger(Number(v)))),
      series: [...bySeries.values()],
    };
    const id = `sweep-${padIndex(index)}-${(shared ? shared.name : names[0]).replace(/[^a-z0-9]+/g, '-')}`;
    return [makeChart(id, 'sweep', title, (size) => renderSweepChart(chart, size))];
  });

  const tableFigures = [
    ...(againstSent ? ['sender_mbps'] : []),
    ...(SWEEP_TABLE_FIGURES[first.test] ?? HEADLINE_FIGURES[first.test] ?? []),
  ].filter(measured);
  const header = [xKey, ...otherKeys, ...tableFigures.map((n) => `${figureInfo(n).label} (${figureInfo(n).unit})`), 'repeats'];
  const rows = ordered.map((g) => [
    String(g.sweep[xKey]),
    ...otherKeys.map((k) => String(g.sweep[k])),
    ...tableFigures.map((n) => {
      const s = g.figures[n];
      return s && s.n > 0 ? (s.ci95 === null ? formatNumber(s.mean) : `${formatNumber(s.mean)} ${formatCi(s.ci95)}`) : '—';
    }),
    repeatsText(runsOk(g), g.run_ids.length),
  ]);

  return {
    index,
    anchor: `sweep-${padIndex(index)}`,
    label,
    test: first.test,
    peer: first.peer,
    keys,
    x_key: xKey,
    x_label: xLabel,
    x_unit: xUnit,
    group_labels: ordered.map((g) => g.label),
    charts,
    table: { header, rows },
  };
}

/** `2`; `1 (1 failed)` when some repeats failed. */
function repeatsText(ok: number, total: number): string {
  return ok === total ? String(ok) : `${ok} (${total - ok} failed)`;
}

/** The label prefix the groups share, cut back to a separator: `udp-rate` from `udp-rate[rate=100M]` and `udp-rate[rate=1G]`. */
function sharedLabel(labels: string[]): string {
  let prefix = labels[0] ?? '';
  for (const l of labels) while (!l.startsWith(prefix)) prefix = prefix.slice(0, -1);
  if (labels.every((l) => l === prefix)) return prefix;
  const cut = Math.max(...['[', '(', ' ', '/', '@', ':', ',', '-', '_'].map((c) => prefix.lastIndexOf(c)));
  return (cut > 0 ? prefix.slice(0, cut) : prefix).replace(/[\s\-_.=]+$/, '');
}

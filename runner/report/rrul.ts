import type { LatencySummary, RrulFigures, RrulIntervalFigures, RunObject } from '../core/run-object.js';
import { type CdfSeries, renderCdfChart } from './charts/cdf-chart.js';
import { DASHES, PALETTE } from './charts/frame.js';
import { DOWNLOAD_COLOR, type RrulPhaseSpan, renderRrulChart, UPLOAD_COLOR } from './charts/rrul-chart.js';
import { formatNumber } from '../core/figure-catalog.js';
import { makeChart, type ChartView, type RrulView } from './report-model.js';

/**
 * The report's side of RRUL (issue 13): a run's probes split by phase, its flent-style chart and
 * CDF, its per-phase table and its headline. Everything is read from the run object as
 * RRUL-SHAPE.md gives it; a field that is missing or not a number is left out, never made a figure.
 */
const RRUL_TEST = 'RRUL';
const PHASE_NAMES = ['idle', 'load', 'drain'] as const;
type PhaseName = (typeof PHASE_NAMES)[number];

/** The summary field of each phase's round trips and loss. */
const PHASE_FIELDS: Record<PhaseName, { latency: keyof RrulFigures; loss: keyof RrulFigures; label: string }> = {
  idle: { latency: 'idle_latency_us', loss: 'idle_loss_percent', label: 'idle' },
  load: { latency: 'loaded_latency_us', loss: 'loaded_loss_percent', label: 'load' },
  drain: { latency: 'drain_latency_us', loss: 'drain_loss_percent', label: 'drain' },
};

export function isRrulRun(run: Pick<RunObject, 'test'>): boolean {
  // A string comparison: TestName gains 'RRUL' on the engine's side (runner/core/test-params.ts).
  return (run.test as string) === RRUL_TEST;
}

interface Phase {
  name: PhaseName;
  start_s: number;
  end_s: number;
}

/** What a finished RRUL run gives the report, checked. */
export interface RrulData {
  summary: RrulFigures;
  phases: Phase[];
  probeIntervalS: number;
  /** µs; null for a lost probe and for any entry that is not a round trip (a negative or non-number value). */
  rttUs: Array<number | null>;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function rrulData(run: RunObject): RrulData | null {
  if (!isRrulRun(run) || run.status !== 'ok' || run.summary === null || typeof run.summary !== 'object') return null;
  const r = run.rrul;
  const phases: Phase[] = [];
  let probeIntervalS = 0;
  let rttUs: Array<number | null> = [];
  if (r && typeof r === 'object' && finite(r.probe_interval_s) && r.probe_interval_s > 0 && Array.isArray(r.rtt_us)) {
    probeIntervalS = r.probe_interval_s;
    rttUs = r.rtt_us.map((v) => (finite(v) && v >= 0 ? v : null));
    for (const p of Array.isArray(r.phases) ? r.phases : []) {
      if ((PHASE_NAMES as readonly unknown[]).includes(p?.name) && finite(p.start_s) && finite(p.end_s) && p.end_s >= p.start_s)
        phases.push(p);
    }
  }
  return { summary: run.summary as unknown as RrulFigures, phases, probeIntervalS, rttUs };
}

/** The probes sent in each phase (a probe belongs to the phase its send time falls in), and their round trips sorted. */
function probesByPhase(data: RrulData): Map<PhaseName, { sent: number; lost: number; sorted: number[] }> {
  const out = new Map<PhaseName, { sent: number; lost: number; sorted: number[] }>();
  for (const p of data.phases) out.set(p.name, { sent: 0, lost: 0, sorted: [] });
  const last = data.phases[data.phases.length - 1];
  data.rttUs.forEach((v, k) => {
    const t = k * data.probeIntervalS;
    // Probe times are multiples of the interval, phase bounds are not always: a nanosecond's tolerance.
    const phase = data.phases.find((p) => t >= p.start_s - 1e-9 && (t < p.end_s - 1e-9 || (p === last && t <= p.end_s)));
    if (!phase) return;
    const stats = out.get(phase.name)!;
    stats.sent++;
    if (v === null) stats.lost++;
    else stats.sorted.push(v);
  });
  for (const stats of out.values()) stats.sorted.sort((a, b) => a - b);
  return out;
}

const ms = (us: number): number => us / 1000;

function latencyOf(summary: RrulFigures, phase: PhaseName): LatencySummary | null {
  const l = summary[PHASE_FIELDS[phase].latency] as LatencySummary | null | undefined;
  return l && typeof l === 'object' && finite(l.p50) ? l : null;
}

function numberOf(summary: RrulFigures, field: keyof RrulFigures): number | null {
  const v = summary[field];
  return finite(v) ? v : null;
}

const text = (v: number | null, unit = ''): string => (v === null ? '—' : `${formatNumber(v)}${unit}`);

/**
 * The flent-style chart of each finished RRUL run (repeats are not overlaid: their queues fill and drop
 * at different moments), and one chart of the idle and loaded round-trip CDFs, the repeats overlaid.
 */
export function rrulCharts(runs: RunObject[], prefix: string, name: string): ChartView[] {
  const charts: ChartView[] = [];
  const cdf: Array<CdfSeries & { label: string; loss: number | null }> = [];
  const several = runs.length > 1;
  runs.forEach((run, i) => {
    const data = rrulData(run);
    if (!data) return;
    const which = several ? ` (repeat ${(run.repeat_index ?? i) + 1})` : '';
    const id = several ? `${prefix}-r${i + 1}` : prefix;
    const byPhase = probesByPhase(data);
    if (data.rttUs.length > 0 && data.phases.length > 0) {
      const title = `${name}${which}: latency under load`;
      // The axis ends with the probes: the last interval can end a little after the drain (0.1 s on a busy host), and its point is drawn at its middle.
      const lastProbe = (data.rttUs.length - 1) * data.probeIntervalS;
      const xMax = Math.max(lastProbe, ...data.phases.map((p) => p.end_s));
      const phases: RrulPhaseSpan[] = data.phases.map((p) => {
        const latency = latencyOf(data.summary, p.name);
        return { name: p.name, start_s: p.start_s, end_s: p.end_s, p50_ms: latency ? ms(latency.p50) : null };
      });
      const throughput = [
        { name: 'upload', color: UPLOAD_COLOR, key: 'upload_mbps' as const },
        { name: 'download', color: DOWNLOAD_COLOR, key: 'download_mbps' as const, dash: '6 3' },
      ]
        .map((s) => ({
          name: s.name,
          color: s.color,
          dash: 'dash' in s ? s.dash : undefined,
          points: run.intervals.flatMap((r) => {
            const v = (r.figures as unknown as RrulIntervalFigures | undefined)?.[s.key];
            return finite(v) && finite(r.start_s) && finite(r.end_s) ? [{ x: (r.start_s + r.end_s) / 2, y: v }] : [];
          }),
        }))
        .filter((s) => s.points.length > 0);
      const chart = { title, phases, probeIntervalS: data.probeIntervalS, rttUs: data.rttUs, throughput, xMax };
      charts.push(makeChart(`${id}-rrul`, 'rrul', title, (size) => renderRrulChart(chart, size)));
    }
    for (const [k, phase] of (['idle', 'load'] as const).entries()) {
      const sorted = (byPhase.get(phase)?.sorted ?? []).map(ms);
      if (sorted.length === 0) continue;
      const latency = latencyOf(data.summary, phase);
      // `loaded #2: p50 197.7 ms` fits the legend's 28 characters; `loaded, repeat 2: …` did not.
      const label = `${phase === 'idle' ? 'idle' : 'loaded'}${several ? ` #${(run.repeat_index ?? i) + 1}` : ''}`;
      cdf.push({
        name: latency ? `${label}: p50 ${formatNumber(ms(latency.p50))} ms` : label,
        label,
        color: PALETTE[k],
        // One run: idle solid, loaded dashed. Repeats: the phase by colour, the repeat by its dash.
        dash: several ? DASHES[i % DASHES.length] : DASHES[k],
        sorted,
        loss: numberOf(data.summary, PHASE_FIELDS[phase].loss),
      });
    }
  });
  // The repeats' distributions overlaid on one axis, as the report's other charts overlay repeats.
  if (cdf.length > 0) {
    const ordered = [...cdf.filter((s) => s.color === PALETTE[0]), ...cdf.filter((s) => s.color !== PALETTE[0])];
    const title = `${name}: idle and loaded round trip`;
    // With repeats, the loaded losses alone: six "idle #1 0%" would not fit the caption's line.
    const loss = several
      ? `loaded ${ordered
          .filter((s) => s.color !== PALETTE[0])
          .map((s) => text(s.loss, '%'))
          .join(', ')}`
      : ordered.map((s) => `${s.label} ${text(s.loss, '%')}`).join(', ');
    const chart = { title, caption: `probes that came back; lost: ${loss}`, xLabel: 'round trip (ms, log scale)', series: ordered };
    charts.push(makeChart(`${prefix}-rrul-cdf`, 'cdf', title, (size) => renderCdfChart(chart, size)));
  }
  return charts;
}

const DIRECTION_TEXT: Record<string, string> = { up: 'upload', down: 'download', both: 'upload and download' };

/** The per-phase table of one RRUL run, and its figures in words. */
export function rrulView(run: RunObject): RrulView | null {
  const data = rrulData(run);
  if (!data) return null;
  const s = data.summary;
  const byPhase = probesByPhase(data);
  const idle = latencyOf(s, 'idle');
  const upload = numberOf(s, 'upload_mbps');
  const download = numberOf(s, 'download_mbps');
  const direction = upload !== null && download !== null ? 'both' : upload !== null ? 'up' : download !== null ? 'down' : null;
  const header = [
    'Phase',
    'Time (s)',
    'Probes',
    'Lost',
    'Loss (%)',
    'p50 (ms)',
    'p90 (ms)',
    'p99 (ms)',
    'Increase (ms)',
    'Responsiveness (RPM)',
    'Upload (Mbit/s)',
    'Download (Mbit/s)',
  ];
  const rows = PHASE_NAMES.map((name) => {
    const phase = data.phases.find((p) => p.name === name);
    const probes = byPhase.get(name);
    const latency = latencyOf(s, name);
    const loaded = name === 'load';
    // Against the idle median: the load's increase is the engine's figure; the drain's says how much queue was left.
    const increase = loaded ? numberOf(s, 'latency_increase_ms') : name === 'drain' && latency && idle ? ms(latency.p50 - idle.p50) : null;
    return [
      PHASE_FIELDS[name].label,
      phase ? `${formatNumber(phase.start_s)}–${formatNumber(phase.end_s)}` : '—',
      probes ? String(probes.sent) : '—',
      probes ? String(probes.lost) : '—',
      text(numberOf(s, PHASE_FIELDS[name].loss)),
      latency ? formatNumber(ms(latency.p50)) : '—',
      latency ? formatNumber(ms(latency.p90)) : '—',
      latency ? formatNumber(ms(latency.p99)) : '—',
      text(increase),
      loaded ? text(numberOf(s, 'responsiveness_rpm')) : '—',
      loaded ? text(upload) : '—',
      loaded ? text(download) : '—',
    ];
  });
  const sent = numberOf(s, 'probes_sent');
  const lost = numberOf(s, 'probes_lost');
  const probeMbps = numberOf(s, 'probe_mbps');
  return {
    direction,
    direction_text: direction ? DIRECTION_TEXT[direction] : 'no load measured',
    probe_interval_text: data.probeIntervalS > 0 ? `${formatNumber(data.probeIntervalS * 1000)} ms` : '—',
    latency_increase_ms: numberOf(s, 'latency_increase_ms'),
    latency_increase_text: text(numberOf(s, 'latency_increase_ms'), ' ms'),
    responsiveness_rpm: numberOf(s, 'responsiveness_rpm'),
    responsiveness_text: text(numberOf(s, 'responsiveness_rpm'), ' RPM'),
    probes_text: `${text(sent)} sent, ${text(lost)} lost; the probes' own load ${text(probeMbps, ' Mbit/s')}`,
    table: { header, rows },
  };
}

/**
 * An RRUL run's or group's headline, from its figures by dotted name: round trips in ms (a
 * loaded round trip in µs reads 195284), the increase and responsiveness, then the load.
 * `idle p50 0.101 ms, loaded p50 195.3 ms (+195.2 ms, 307.2 RPM), upload 18.79 Mbit/s, download 18.79 Mbit/s`.
 */
export function rrulHeadline(value: (name: string) => number | undefined): string {
  const parts: string[] = [];
  const idle = value('idle_latency_us.p50');
  const loaded = value('loaded_latency_us.p50');
  if (idle !== undefined) parts.push(`idle p50 ${formatNumber(ms(idle))} ms`);
  if (loaded !== undefined) {
    const increase = value('latency_increase_ms');
    const rpm = value('responsiveness_rpm');
    const extra = [
      increase !== undefined ? `${increase >= 0 ? '+' : ''}${formatNumber(increase)} ms` : null,
      rpm !== undefined ? `${formatNumber(rpm)} RPM` : null,
    ]
      .filter((x) => x !== null)
      .join(', ');
    parts.push(`loaded p50 ${formatNumber(ms(loaded))} ms${extra ? ` (${extra})` : ''}`);
  }
  const upload = value('upload_mbps');
  const download = value('download_mbps');
  if (upload !== undefined) parts.push(`upload ${formatNumber(upload)} Mbit/s`);
  if (download !== undefined) parts.push(`download ${formatNumber(download)} Mbit/s`);
  return parts.length > 0 ? parts.join(', ') : 'no result';
}

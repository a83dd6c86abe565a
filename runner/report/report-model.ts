import { CHART_DIR, type ResultsFile, type FigureStatistics } from '../core/results-file.js';
import type { TestName, TestParams } from '../core/test-params.js';
import { type ChartSize, NARROW, WIDE } from './charts/frame.js';

/**
 * What a report template sees: results.json turned into ready-to-show values.
 * Every number comes twice, as the number (in the unit its field names) and as
 * `*_text`, formatted the way bench formats it. docs/report-data-model.md
 * describes each field for people writing their own template; keep the two in
 * step. Fields are never left out: what does not apply is null or empty.
 */
export interface ReportModel {
  format: 'html' | 'md';
  /** The scenario's `report.title`, else its name. */
  title: string;
  generator: { name: string; version: string };
  scenario: { name: string; description: string | null; file: string; sha256: string; text: string };
  note: string | null;
  interrupted: boolean;
  started_at: string;
  started_text: string;
  finished_at: string;
  finished_text: string;
  elapsed_s: number;
  elapsed_text: string;
  host: ResultsFile['host'];
  peers: PeerView[];
  /** The peers in words: `all runs against the embedded loopback server (127.0.0.1)`, or `lab-b (10.20.0.2:7575); …`. */
  peers_text: string;
  counts: { runs: number; ok: number; failed: number; groups: number; sweeps: number; charts: number };
  verdict: VerdictView;
  groups: GroupView[];
  sweeps: SweepView[];
  runs: RunView[];
  failed_runs: RunView[];
  /** Every chart of the report, in the order it appears. */
  charts: ChartView[];
  /** One per run of the scenario that went between remote hosts (a mesh, pairs, from:/to:). */
  meshes: MeshView[];
  /** The finished RRUL runs, in the order they ran: each has its `rrul` table. */
  rrul_runs: RunView[];
}

/** An RRUL run (latency under load) phase by phase. */
export interface RrulView {
  /** Which directions were loaded, read from the throughput figures present; null when neither is. */
  direction: 'up' | 'down' | 'both' | null;
  /** `upload and download`, `upload`, `download`. */
  direction_text: string;
  /** `10 ms`. */
  probe_interval_text: string;
  latency_increase_ms: number | null;
  latency_increase_text: string;
  responsiveness_rpm: number | null;
  responsiveness_text: string;
  /** `1200 sent, 13 lost; the probes' own load 0.0512 Mbit/s`. */
  probes_text: string;
  /**
   * One row per phase (idle, load, drain): time span, probes sent and lost, loss, round trip p50,
   * p90 and p99 in ms, the p50's increase over idle, and for the load its responsiveness and throughput.
   */
  table: TableView;
}

/** A mesh's headline figure as a matrix (HTML) or a table (Markdown), with its worst pairs. */
export interface MeshView {
  index: number;
  anchor: string;
  title: string;
  test: TestName;
  figure: string;
  figure_label: string;
  unit: string;
  /** As the servers named themselves, sorted. */
  hosts: string[];
  pairs: number;
  failed: number;
  /** Inline SVG (HTML only). */
  svg: string;
  /** At most ten, failed first, then the worst figure first. */
  worst: Array<{ from: string; to: string; value_text: string }>;
  table: { header: string[]; rows: string[][] };
}

export interface PeerView {
  name: string;
  address: string;
  embedded: boolean;
  runs: number;
}

export interface VerdictView {
  /** `none` when the scenario set no expectations. */
  status: 'pass' | 'fail' | 'none';
  passed: boolean;
  headline: string;
  /** When no run succeeded: the first failed run's label and error (`tcp: E_REFUSED …`); null otherwise. */
  first_error: string | null;
  total: number;
  met: number;
  unmet: number;
  expectations: ExpectationView[];
}

export interface ExpectationView {
  label: string;
  figure: string;
  figure_label: string;
  unit: string;
  condition: string;
  threshold: number;
  observed: number | null;
  observed_text: string;
  ok: boolean;
  result_text: 'met' | 'not met';
}

/** A figure's statistics across repeats, with its name and the text a template shows. */
export interface FigureView extends FigureStatistics {
  name: string;
  label: string;
  unit: string;
  mean_text: string;
  ci95_text: string;
  min_text: string;
  max_text: string;
}

export interface GroupView {
  index: number;
  anchor: string;
  label: string;
  test: TestName;
  peer: string;
  params: TestParams;
  params_text: string;
  sweep: Record<string, string | number>;
  sweep_text: string;
  run_ids: string[];
  runs_total: number;
  runs_ok: number;
  runs_failed: number;
  /** The figures a reader looks at first (throughput; loss; latency p50 and p99), with units. */
  headline_text: string;
  headline: FigureView[];
  figures: FigureView[];
  /** What to distrust in these figures, in sentences: a UDP sender that reached less than 95% of its target rate. */
  warnings: string[];
  /** Every figure has n = 1: one repeat, so a Value column says it all (mean, min and max are the same). */
  single_repeat: boolean;
  /** Its runs over time, the repeats overlaid: one line per repeat. */
  charts: ChartView[];
}

export interface TableView {
  header: string[];
  rows: string[][];
}

export interface SweepView {
  index: number;
  anchor: string;
  /** The label the swept groups share, such as `udp-rate` for `udp-rate[rate=100M]`. */
  label: string;
  test: TestName;
  peer: string;
  keys: string[];
  x_key: string;
  x_label: string;
  x_unit: string;
  group_labels: string[];
  charts: ChartView[];
  table: TableView;
}

export interface RunFigureView {
  name: string;
  label: string;
  unit: string;
  value: number;
  value_text: string;
}

export interface RunView {
  /** 1-based position in the order the runs ran. */
  index: number;
  anchor: string;
  id: string;
  label: string;
  group_label: string | null;
  test: TestName;
  repeat_index: number | null;
  repeat_text: string;
  peer_text: string;
  params: TestParams;
  params_text: string;
  status: 'ok' | 'failed';
  ok: boolean;
  error: { code: string; message: string } | null;
  interrupted: boolean;
  started_at: string;
  started_text: string;
  duration_s: number;
  duration_text: string;
  client_cpu_text: string;
  server_cpu_text: string;
  /** TCP tests: each side's congestion control and the socket buffers the kernel granted; '' when not known. */
  socket_text: string;
  /** What a reader must know to read the figures (RunObject.notes), such as why TCP_INFO figures are absent. */
  notes: string[];
  interval_count: number;
  omitted_count: number;
  figures: RunFigureView[];
  /** Its headline figures in words, as a group's: `Throughput 14234 Mbit/s`, or `no result`. */
  headline_text: string;
  /** Empty for a run of a group (its group's charts show it); the run's own charts when it belongs to none. */
  charts: ChartView[];
  /** A finished RRUL run's phases; null for other tests and failed runs. */
  rrul: RrulView | null;
}

export interface ChartView {
  id: string;
  kind: 'line' | 'percentile' | 'sweep' | 'rrul' | 'cdf';
  title: string;
  /** Inline SVG markup, escaped already: render with triple braces. */
  svg: string;
  /** The same chart laid out for a phone's width (class chart-narrow), which the HTML report shows there instead. */
  svg_narrow: string;
  /** Where the Markdown report keeps this chart, relative to report.md. */
  file: string;
}

/**
 * A chart drawn at both widths (`draw` lays out the same figures for the size it is given); its file is
 * named by its id, which is built from indexes, never from labels.
 */
export function makeChart(id: string, kind: ChartView['kind'], title: string, draw: (size: ChartSize) => string): ChartView {
  return { id, kind, title, svg: draw(WIDE), svg_narrow: draw(NARROW), file: `${CHART_DIR}/${id}.svg` };
}

/** The index in an anchor or chart id: `group-03`. */
export function padIndex(n: number): string {
  return String(n).padStart(2, '0');
}

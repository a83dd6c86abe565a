import type { RunObject } from './run-object.js';
import type { TestName, TestParams } from './test-params.js';

/**
 * results.json: what `bench run` writes at the end of a scenario and what
 * reports render. Validated by schemas/results.schema.json.
 */
export const RESULTS_SCHEMA_VERSION = 1;

/**
 * What a results file can be rendered as: the two reports (Handlebars
 * templates) and the exports people already read (docs/exports.md). The
 * order is the order `bench run` writes them in.
 */
export const REPORT_FORMATS = ['html', 'md', 'junit', 'csv', 'openmetrics'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
/** The file each format is written to in a results folder. */
export const REPORT_FILE_NAMES: Readonly<Record<ReportFormat, string>> = {
  html: 'report.html',
  md: 'report.md',
  junit: 'junit.xml',
  csv: 'results.csv',
  openmetrics: 'metrics.prom',
};
/**
 * The folder one `bench run` writes: results.jsonl grows by one run object
 * the moment each run ends (fsync'd, so a crash or power cut loses nothing
 * already measured); results.json is written once, at the end.
 */
export const RUN_LOG_NAME = 'results.jsonl';
export const RESULTS_NAME = 'results.json';
/** Charts of report.md live in this folder beside it. */
export const CHART_DIR = 'charts';
/** Formats rendered from a Handlebars template (the others are exports of fixed form). */
export type TemplateFormat = Extract<ReportFormat, 'html' | 'md'>;

export function isTemplateFormat(format: ReportFormat): format is TemplateFormat {
  return format === 'html' || format === 'md';
}

export interface ResultsFile {
  schema_version: typeof RESULTS_SCHEMA_VERSION;
  scenario: {
    name: string;
    description?: string;
    file: string;
    sha256: string;
    text: string;
    /** The scenario's `report` block, variables substituted. */
    report?: { formats: ReportFormat[]; title?: string };
  };
  host: { hostname: string; os: string; kernel: string; cpus: number; cpu_model: string; node: string; bench_version: string };
  note?: string;
  started_at: string;
  finished_at: string;
  /** Every run in the order it ran, repeats included. */
  runs: RunObject[];
  /** Runs that differ only by repeat, with statistics across their repeats. */
  groups: RunGroup[];
  expectations: ExpectationResult[];
  interrupted?: boolean;
  /** bench run --push: where the metrics went, how many pushes the gateway took, and each that failed. */
  push?: PushRecord;
}

export interface PushRecord {
  url: string;
  pushed: number;
  failures: Array<{ label: string; error: string }>;
}

/** Figures across the repeats of one expanded run. */
export interface RunGroup {
  label: string;
  test: TestName;
  peer: string;
  params: TestParams;
  /** Values of the keys this group was swept over, such as { rate: '100M' }. */
  sweep: Record<string, string | number>;
  run_ids: string[];
  figures: Record<string, FigureStatistics>;
  /**
   * The data path both sides ran in the runs that counted: 'native' (C socket
   * loops), 'js' (Node sockets), 'mixed' when sides or repeats differed, null
   * when no run said. Absent in files from before it was recorded.
   */
  data_path?: 'native' | 'js' | 'mixed' | null;
}

export interface FigureStatistics {
  /** Runs that were ok and had this figure. */
  n: number;
  mean: number;
  /** Half-width of the 95% confidence interval (Student t, n-1 degrees of freedom); null when n < 2. */
  ci95: number | null;
  min: number;
  max: number;
  better: 'higher' | 'lower';
}

export interface ExpectationResult {
  label: string;
  /** Dotted figure name, such as `throughput_mbps` or `latency_us.p99`. */
  figure: string;
  /** As written, such as `>= 900`. */
  condition: string;
  op: '<' | '<=' | '>' | '>=' | '==';
  threshold: number;
  /** Mean across repeats; null when no repeat produced the figure. */
  observed: number | null;
  ok: boolean;
}

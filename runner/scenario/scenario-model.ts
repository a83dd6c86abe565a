import type { ReportFormat } from '../core/results-file.js';
import { PARAM_KEYS, type DataPath, type ParamKey } from '../core/params.js';
import type { PeerAddress } from '../core/run-events.js';
import type { TestName, TestParams } from '../core/test-params.js';
import type { Expectation } from './expectations.js';
import type { DocPath, ProblemPlace } from './scenario-problem.js';

/** Keys only a run may hold: defaults and --set cannot. */
export const RUN_ONLY_KEYS = ['test', 'label', 'mesh', 'pairs', 'parallel', 'expect'] as const;
/** The keys a run may hold: every declared parameter (core/params.ts), which defaults and --set may hold too, and the run-only keys. */
export const RUN_KEYS: readonly string[] = ['test', 'label', ...PARAM_KEYS, 'mesh', 'pairs', 'parallel', 'expect'];

/**
 * A scenario after validation, before expansion: values still as written
 * (so sweeps keep their order and labels show `100M`, not 100000000), each
 * with the place it came from, for pointing at it if a later check fails.
 */
export interface Setting {
  key: ParamKey;
  /** One value, or the list of a sweep, as written. */
  value: unknown;
  place: ProblemPlace;
  /** Precedence: 1 scenario defaults, 2 the run's own keys, 3 --set. (0 is the built-in defaults.) */
  layer: 1 | 2 | 3;
  /** Path of the value in the document, for file settings. */
  path?: DocPath;
}

export interface PeerSpec {
  name: string;
  host: string;
  port: number;
  /** Absolute path, resolved against the scenario file's folder. */
  token_file?: string;
}

/** A named list of peers under `peers:` (`rack: [lab-a, lab-b, lab-c]`), for `mesh:`. */
export interface PeerGroupSpec {
  name: string;
  /** Names of peers defined under peers, in the order written; for a DNS group, empty until resolved. */
  members: string[];
  /** `{ dns: NAME, port, token_file }`: every A/AAAA record of NAME is a member, found when `bench run` starts. */
  dns?: { name: string; port: number; token_file?: string };
}

/** Both ends of each run a run of the file expands to, instead of its from:/to:. */
export type RunEnds =
  | { kind: 'mesh'; group: string; place: ProblemPlace }
  | { kind: 'pairs'; pairs: Array<[string, string]>; place: ProblemPlace };

export interface RunSpec {
  /** Position in the file's runs list, 0-based. */
  index: number;
  test: TestName;
  label?: string;
  settings: Setting[];
  expect: Expectation[];
  ends?: RunEnds;
  /** `parallel: disjoint`: runs sharing no host run at once, in rounds. */
  parallel?: 'disjoint';
}

export type { ReportFormat } from '../core/results-file.js';

/** What a scenario gets without `report.formats`, with or without a `report` block: both reports. */
export const DEFAULT_REPORT_FORMATS: readonly ReportFormat[] = ['html', 'md'];

export interface ScenarioSpec {
  name: string;
  description?: string;
  peers: Map<string, PeerSpec>;
  groups: Map<string, PeerGroupSpec>;
  defaults: Setting[];
  runs: RunSpec[];
  report?: { formats: ReportFormat[]; title?: string };
}

/** One expanded run (a sweep point), which runs `repeat` times and forms one result group. */
export interface PlannedGroup {
  label: string;
  scenario_index: number;
  test: TestName;
  /** The peer's name in the scenario (`to:`, or its alias `peer:`), or 'local' for the embedded server. */
  peer_name: string;
  /** Undefined for the embedded loopback server. */
  peer?: PeerAddress;
  /** The name of the peer that runs the client side (`from:`), or 'local' for this machine. */
  from_name: string;
  /** Undefined when this machine runs the client side. */
  from?: PeerAddress;
  params: TestParams;
  sweep: Record<string, string | number>;
  repeat: number;
  pause_s: number;
  wait_s: number;
  /** The data path asked for; absent: native where it is built. */
  data_path?: DataPath;
  expect: Expectation[];
  /** Set for the runs of a `mesh:` or `pairs:` run with `parallel: disjoint`. */
  parallel?: 'disjoint';
  /** The group of a `mesh:` run, for the report's matrix. */
  mesh?: string;
}

/** One run to execute: a group and which repeat of it. */
export interface PlannedRun {
  group: PlannedGroup;
  repeat_index: number;
}

export const LOCAL_PEER = 'local';
/** What a peer's name may hold (a source for the scenario schema and the checker alike). */
export const PEER_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

import { appliesTo, checkParams, paramOf, paramsFrom, parseParamValue, type DataPath, type Param, type ParamKey } from '../core/params.js';
import type { PeerAddress } from '../core/run-events.js';
import type { TestParams } from '../core/test-params.js';
import {
  LOCAL_PEER,
  type PeerSpec,
  type PlannedGroup,
  type PlannedRun,
  type RunSpec,
  type ScenarioSpec,
  type Setting,
} from './scenario-model.js';
import type { Problem, ProblemPlace } from './scenario-problem.js';
import { disjointMeshRounds, disjointRounds, meshPairs, type OrderedPair } from './mesh-rounds.js';
import { checkRunnable } from './server-limits-check.js';

/**
 * Turns a validated scenario into the runs to execute, in order.
 *
 * Precedence per key: built-in defaults < the scenario's `defaults` < the
 * run's own keys < `--set`. A list on a sweepable key gives one group per
 * value; several lists cross (every combination), the key written first
 * varying slowest. Each group runs `repeat` times in a row. Keys that do not
 * apply to a run's test (rate on TCP_STREAM) are ignored when they come from
 * defaults or --set.
 */
export function expandPlan(spec: ScenarioSpec, overrides: readonly Setting[]): { groups: PlannedGroup[]; problems: Problem[] } {
  const groups: PlannedGroup[] = [];
  const problems: Problem[] = [];
  // Counted before anything is built: a few short lists can cross into millions of runs.
  const sized = spec.runs.map((run) => {
    const winners = winningSettings(run, [...spec.defaults, ...run.settings, ...overrides]);
    const ends = runEnds(spec, run);
    const size = planSize(winners);
    if (ends) size.runs *= ends.length;
    return { run, winners, size, ends };
  });
  const total = sized.reduce((sum, r) => sum + r.size.runs, 0);
  let planned = 0;
  for (const { run, winners, size, ends } of sized) {
    if (size.runs > MAX_PLANNED_RUNS) {
      problems.push(tooManyRuns(run, size));
      continue;
    }
    if (planned + size.runs > MAX_PLANNED_RUNS) {
      // Reported once, at the run that crosses the limit; the runs before it are still checked.
      if (planned <= MAX_PLANNED_RUNS) problems.push(tooManyInAll(run, size, total));
      planned = Infinity;
      continue;
    }
    planned += size.runs;
    for (const point of crossSweeps(winners)) {
      for (const pair of ends ?? [undefined]) {
        const group = buildGroup(spec, run, point, problems, pair);
        if (group) groups.push(group);
      }
    }
  }
  problems.push(...disambiguateLabels(spec, groups));
  return { groups, problems };
}

/**
 * The ordered pairs of a `mesh:` or `pairs:` run. With `parallel: disjoint`
 * they come round by round, so that cutting the runs where a host would
 * repeat (disjointRounds, as the runner does) gives back these rounds.
 */
function runEnds(spec: ScenarioSpec, run: RunSpec): Array<OrderedPair<string>> | undefined {
  if (!run.ends) return undefined;
  if (run.ends.kind === 'pairs') {
    const pairs = run.ends.pairs.map(([from, to]) => ({ from, to }));
    return run.parallel === 'disjoint' ? disjointRounds(pairs).flat() : pairs;
  }
  const members = spec.groups.get(run.ends.group)?.members ?? [];
  return run.parallel === 'disjoint' ? disjointMeshRounds(members).flat() : meshPairs(members);
}

/** Most runs one scenario may plan; each is at least a second of measuring, so this is days. */
const MAX_PLANNED_RUNS = 100_000;

interface PlanSize {
  /** Groups times repeats. */
  runs: number;
  /** The swept settings, longest list first, and the repeat setting when above 1. */
  factors: { setting: Setting; count: number }[];
}

/** How many runs a run of the file expands to: the product of its sweep lengths, times repeat. */
function planSize(winners: readonly Setting[]): PlanSize {
  const factors: PlanSize['factors'] = [];
  let runs = 1;
  for (const s of winners) {
    let count = 1;
    if (Array.isArray(s.value)) count = s.value.length;
    else if (s.key === 'repeat') count = parseParamValue(paramOf('repeat') as Param, s.value) as number;
    if (count === 1) continue;
    runs *= count;
    factors.push({ setting: s, count });
  }
  factors.sort((a, b) => b.count - a.count);
  return { runs, factors };
}

function planSizeText(size: PlanSize): string {
  return size.factors
    .map(({ setting, count }) =>
      Array.isArray(setting.value) ? `${setting.key}: ${count.toLocaleString('en-US')} values` : `repeat ${count.toLocaleString('en-US')}`,
    )
    .join(' × ');
}

/** The place of the longest sweep (of repeat when nothing is swept), the thing to shorten. */
function sizePlace(run: RunSpec, size: PlanSize): ProblemPlace {
  const sweep = size.factors.find((f) => Array.isArray(f.setting.value)) ?? size.factors[0];
  return sweep?.setting.place ?? { kind: 'node', path: ['runs', run.index], part: 'value' };
}

function tooManyRuns(run: RunSpec, size: PlanSize): Problem {
  return {
    place: sizePlace(run, size),
    message: `run ${run.index + 1} (${run.test}) expands to ${size.runs.toLocaleString('en-US')} runs (${planSizeText(size)}), more than the ${MAX_PLANNED_RUNS.toLocaleString('en-US')} a scenario may hold: sweep fewer values, or split the sweep over several scenarios`,
  };
}

function tooManyInAll(run: RunSpec, size: PlanSize, total: number): Problem {
  return {
    place: sizePlace(run, size),
    message: `the runs of this scenario expand to ${total.toLocaleString('en-US')} runs in all, more than the ${MAX_PLANNED_RUNS.toLocaleString('en-US')} a scenario may hold; run ${run.index + 1} passes the limit with ${size.runs.toLocaleString('en-US')}: sweep fewer values, or split the runs over several scenarios`,
  };
}

/** The runs in execution order: each group's repeats back to back. */
export function planRuns(groups: readonly PlannedGroup[]): PlannedRun[] {
  return groups.flatMap((group) => Array.from({ length: group.repeat }, (_, repeat_index) => ({ group, repeat_index })));
}

/** Per key, the setting that wins, in the order keys were first written. */
function winningSettings(run: RunSpec, layered: readonly Setting[]): Setting[] {
  const order: ParamKey[] = [];
  const winner = new Map<ParamKey, Setting>();
  for (const s of layered) {
    const spec = paramOf(s.key);
    if (!spec || !appliesTo(spec, run.test)) continue;
    if (!winner.has(s.key)) order.push(s.key);
    winner.set(s.key, s);
  }
  return order.map((k) => winner.get(k) as Setting);
}

/** One value of a setting at one sweep point, with where it was written. */
interface PointValue {
  setting: Setting;
  value: unknown;
  place: ProblemPlace;
  swept: boolean;
}

function* crossSweeps(settings: readonly Setting[], i = 0, acc: PointValue[] = []): Generator<PointValue[]> {
  if (i === settings.length) {
    yield acc;
    return;
  }
  const s = settings[i];
  if (!Array.isArray(s.value)) {
    yield* crossSweeps(settings, i + 1, [...acc, { setting: s, value: s.value, place: s.place, swept: false }]);
    return;
  }
  for (let k = 0; k < s.value.length; k++) {
    const place: ProblemPlace = s.path ? { kind: 'node', path: [...s.path, k], part: 'value' } : s.place;
    yield* crossSweeps(settings, i + 1, [...acc, { setting: s, value: s.value[k] as unknown, place, swept: true }]);
  }
}

function buildGroup(
  spec: ScenarioSpec,
  run: RunSpec,
  point: readonly PointValue[],
  problems: Problem[],
  pair?: OrderedPair<string>,
): PlannedGroup | null {
  const fields: Record<string, unknown> = {};
  const values = new Map<ParamKey, PointValue>();
  let peerName = LOCAL_PEER;
  let fromName = LOCAL_PEER;
  let repeat = 1;
  let pause_s = 0;
  let wait_s = 0;
  let dataPath: DataPath | undefined;
  const sweep: Record<string, string | number> = {};
  for (const pv of point) {
    const key = pv.setting.key;
    const setting = paramOf(key);
    if (!setting) continue;
    values.set(key, pv);
    const parsed = parseParamValue(setting, pv.value);
    if (setting.field) fields[setting.field] = parsed;
    else if (key === 'from') fromName = parsed as string;
    else if (key === 'repeat') repeat = parsed as number;
    else if (key === 'pause') pause_s = parsed as number;
    else if (key === 'wait') wait_s = parsed as number;
    else if (key === 'data_path') dataPath = parsed as DataPath;
    if (pv.swept) sweep[key] = typeof pv.value === 'number' ? pv.value : String(pv.value);
  }

  const params: TestParams = paramsFrom(run.test, fields);
  const before = problems.length;
  const context = `run ${run.index + 1} (${run.test})`;
  const problem = (keys: ParamKey[], message: string) => {
    const blamed = blame(values, keys);
    if (!blamed) {
      // Only built-in defaults are involved: point at the run.
      problems.push({ place: { kind: 'node', path: ['runs', run.index], part: 'value' }, message: `${context}: ${message}` });
      return;
    }
    const own = blamed.setting.layer === 2;
    problems.push({ place: blamed.place, message: own ? message : `${context}: ${message}` });
  };
  // The same check as `bench test` and the server's: each problem blamed on the key written last.
  for (const found of checkParams(params)) problem(found.keys, found.message);

  // to: and its alias peer: are one setting: the one written at the higher layer wins; both in one place contradict.
  const to = values.get('to');
  const alias = values.get('peer');
  const toKey: ParamKey = alias && (!to || alias.setting.layer > to.setting.layer) ? 'peer' : 'to';
  const toValue = toKey === 'to' ? to : alias;
  if (toValue) peerName = parseParamValue(paramOf('peer') as Param, toValue.value) as string;
  if (pair) {
    // mesh: and pairs: name both ends; a from: or to: in defaults does not apply to such a run.
    fromName = pair.from;
    peerName = pair.to;
  } else if (to && alias && to.setting.layer === alias.setting.layer) {
    problem(['to'], 'to: and peer: name the same thing (peer is its older name): give one of them');
  }
  if (fromName !== LOCAL_PEER && fromName === peerName) {
    problem([toKey, 'from'], `from: and ${toKey}: are both '${peerName}': a run needs two different hosts`);
  } else if (fromName !== LOCAL_PEER && peerName === LOCAL_PEER) {
    problem(
      ['from'],
      `a run from '${fromName}' needs a ${toKey}: peer: the embedded server ('${LOCAL_PEER}') is reachable from this machine only`,
    );
  }

  if (problems.length === before) {
    checkRunnable(params, peerName, problem, (key, fallback) => (values.has(key) ? String(values.get(key)?.value) : fallback));
  }

  let peer: PeerAddress | undefined;
  if (peerName !== LOCAL_PEER) {
    const p = spec.peers.get(peerName);
    if (!p) problem([toKey], `peer '${peerName}' is not defined under peers`);
    else peer = peerAddress(p);
  }
  let from: PeerAddress | undefined;
  if (fromName !== LOCAL_PEER) {
    const p = spec.peers.get(fromName);
    if (!p) problem(['from'], `peer '${fromName}' is not defined under peers`);
    else from = peerAddress(p);
  }
  if (problems.length > before) return null;

  const base = pair
    ? `${run.label ?? run.test} ${fromName}->${peerName}`
    : (run.label ?? (from ? `${run.test} ${fromName}->${peerName}` : `${run.test} ${peerName}`));
  const sweepText = Object.entries(sweep)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const group: PlannedGroup = {
    label: sweepText === '' ? base : `${base} ${sweepText}`,
    scenario_index: run.index,
    test: run.test,
    peer_name: peerName,
    from_name: fromName,
    params,
    sweep,
    repeat,
    pause_s,
    wait_s,
    expect: run.expect,
  };
  if (peer) group.peer = peer;
  if (from) group.from = from;
  if (run.parallel) group.parallel = run.parallel;
  if (run.ends?.kind === 'mesh') group.mesh = run.ends.group;
  if (dataPath) group.data_path = dataPath;
  return group;
}

function peerAddress(p: PeerSpec): PeerAddress {
  const address: PeerAddress = { host: p.host, port: p.port, name: p.name };
  if (p.token_file !== undefined) address.token_file = p.token_file;
  return address;
}

/** Of the keys involved, the one set at the highest layer: the last word, so the one to change. */
function blame(values: ReadonlyMap<ParamKey, PointValue>, keys: readonly ParamKey[]): PointValue | undefined {
  let best: PointValue | undefined;
  for (const k of keys) {
    const v = values.get(k);
    if (v && (!best || v.setting.layer > best.setting.layer)) best = v;
  }
  return best;
}

/**
 * Labels name result groups, so they must differ. Labels a user wrote that
 * clash are a problem; generated ones that clash get the run's number.
 */
function disambiguateLabels(spec: ScenarioSpec, groups: PlannedGroup[]): Problem[] {
  const problems: Problem[] = [];
  // spec.runs holds only the valid runs, so a run's place in the file is not its place in that list.
  const writtenLabel = new Set(spec.runs.filter((r) => r.label !== undefined).map((r) => r.index));
  const byLabel = new Map<string, PlannedGroup[]>();
  for (const g of groups) {
    const same = byLabel.get(g.label);
    if (same) same.push(g);
    else byLabel.set(g.label, [g]);
  }
  for (const [label, clash] of byLabel) {
    if (clash.length < 2) continue;
    const written = clash.filter((g) => writtenLabel.has(g.scenario_index));
    if (written.length > 0) {
      const runs = [...new Set(clash.map((g) => g.scenario_index + 1))];
      const last = written[written.length - 1];
      problems.push({
        place: { kind: 'node', path: ['runs', last.scenario_index, 'label'], part: 'value' },
        message: `label '${label}' is also used by run ${runs.filter((r) => r !== last.scenario_index + 1).join(', ')}: labels name result groups, so give each run its own`,
      });
      continue;
    }
    for (const g of clash) g.label = `${label} #${g.scenario_index + 1}`;
  }
  return problems;
}

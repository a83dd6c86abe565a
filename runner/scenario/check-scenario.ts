import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { DEFAULT_PORT } from '../core/defaults.js';
import { isTestName, TEST_NAMES, type TestName } from '../core/test-params.js';
import { didYouMean, listWords } from './did-you-mean.js';
import { checkAnyFigure, checkFigure, parseCondition, type Expectation } from './expectations.js';
import { appliesTo, paramOf, type Param } from '../core/params.js';
import { checkSettingValue } from './setting-check.js';
import { REPORT_FORMATS } from '../core/results-file.js';
import {
  DEFAULT_REPORT_FORMATS,
  LOCAL_PEER,
  PEER_NAME_PATTERN,
  type PeerGroupSpec,
  type PeerSpec,
  type ReportFormat,
  type RunEnds,
  type RunSpec,
  type ScenarioSpec,
  type Setting,
} from './scenario-model.js';
import type { DocPath, Problem, ProblemPlace } from './scenario-problem.js';

export interface CheckResult {
  /**
   * What is valid so far: runs with a problem are left out, so later checks
   * (across keys, after expansion) still run on the rest and every problem
   * is reported in one go. Undefined when the file is not a mapping at all.
   */
  spec?: ScenarioSpec;
  /** True when nothing was wrong and nothing was left out. */
  complete: boolean;
  problems: Problem[];
}

const PEER_NAME = new RegExp(PEER_NAME_PATTERN);

/**
 * Walks the scenario's data and says, in words, what is wrong with each
 * value: units, sweeps, peer references, tests, expectations. Unknown and
 * missing keys are the schema's to report (scenario-schema.ts).
 */
export function checkScenario(data: unknown, scenarioDir: string): CheckResult {
  const problems: Problem[] = [];
  const at = (path: DocPath, message: string, part: 'key' | 'value' = 'value') =>
    problems.push({ place: { kind: 'node', path, part }, message });

  if (data === null || data === undefined) {
    problems.push({ place: { kind: 'offset', offset: 0 }, message: 'the file is empty: a scenario needs at least name: and runs:' });
    return { complete: false, problems };
  }
  if (!isMapping(data)) {
    at([], 'the top level must be a mapping with name: and runs:, not a list or a single value');
    return { complete: false, problems };
  }

  if ('name' in data && (typeof data.name !== 'string' || data.name.trim() === '')) {
    at(['name'], 'name must be text, such as name: lab-baseline');
  }
  if ('description' in data && typeof data.description !== 'string') at(['description'], 'description must be text');

  const peers = checkPeerSpecs(data.peers, scenarioDir, at);
  // References are checked against every peer written down; one with its own problem is reported there, once.
  const peerNames = isMapping(data.peers)
    ? Object.keys(data.peers).filter((n) => n !== LOCAL_PEER && !isGroup((data.peers as Record<string, unknown>)[n]))
    : [];
  const groups = checkGroupSpecs(data.peers, peerNames, scenarioDir, at);
  const groupNames = isMapping(data.peers)
    ? Object.keys(data.peers).filter((n) => isGroup((data.peers as Record<string, unknown>)[n]))
    : [];
  const defaults = 'defaults' in data ? checkSettings(['defaults'], data.defaults, undefined, peerNames, problems) : [];
  const runs = checkRuns(data.runs, { peers: peerNames, groups: groupNames }, problems, at);
  const report = checkReport(data.report, at);

  const name = typeof data.name === 'string' ? data.name.trim() : '';
  // Defaults with a problem would make every run's later checks misleading: check no run then.
  const usable = defaults === null ? [] : runs.valid.filter((r) => peersUsable(r, defaults, peers, groups));
  const spec: ScenarioSpec = { name, peers, groups, defaults: defaults ?? [], runs: usable };
  if (typeof data.description === 'string') spec.description = data.description;
  if (report) spec.report = report;
  const complete = problems.length === 0 && name !== '' && runs.complete && defaults !== null;
  return { spec, complete, problems };
}

type At = (path: DocPath, message: string, part?: 'key' | 'value') => void;

/** False when the run goes to or from a peer that is written down but has a problem of its own. */
function peersUsable(
  run: RunSpec,
  defaults: readonly Setting[],
  peers: ReadonlyMap<string, PeerSpec>,
  groups: ReadonlyMap<string, PeerGroupSpec>,
): boolean {
  if (run.ends?.kind === 'mesh') return groups.has(run.ends.group);
  if (run.ends?.kind === 'pairs') return run.ends.pairs.every((pair) => pair.every((name) => peers.has(name)));
  return (['peer', 'to', 'from'] as const).every((key) => {
    const setting = run.settings.find((s) => s.key === key) ?? defaults.find((s) => s.key === key);
    const name = setting === undefined ? LOCAL_PEER : String(setting.value);
    return name === LOCAL_PEER || peers.has(name);
  });
}

function checkPeerSpecs(value: unknown, scenarioDir: string, at: At): Map<string, PeerSpec> {
  const peers = new Map<string, PeerSpec>();
  if (value === undefined) return peers;
  if (!isMapping(value)) {
    at(['peers'], 'peers must be a mapping of names to hosts, such as lab-b: { host: 10.0.0.2, port: 7575 }');
    return peers;
  }
  for (const [name, peer] of Object.entries(value)) {
    const path = ['peers', name];
    if (name === LOCAL_PEER) {
      at(path, `'${LOCAL_PEER}' is reserved for the embedded loopback server: give this peer another name`, 'key');
      continue;
    }
    if (!PEER_NAME.test(name)) {
      at(path, `peer name '${name}' may hold only letters, digits, '.', '_' and '-', starting with a letter or digit`, 'key');
      continue;
    }
    if (isGroup(peer)) continue;
    if (!isMapping(peer)) {
      at(
        path,
        `peer '${name}' must be a mapping, such as { host: 10.0.0.2, port: 7575 }, or a group: a list of peer names, such as [lab-a, lab-b, lab-c]`,
      );
      continue;
    }
    let ok = true;
    if ('host' in peer && (typeof peer.host !== 'string' || peer.host.trim() === '')) {
      at([...path, 'host'], 'host must be an address or host name, such as 10.0.0.2 or lab-b.example.net');
      ok = false;
    }
    // A quoted port ("${PORT:-7575}" in a flow mapping must be quoted) is still a port.
    const port = typeof peer.port === 'string' && /^\d+$/.test(peer.port.trim()) ? Number(peer.port) : (peer.port ?? DEFAULT_PORT);
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
      at([...path, 'port'], `port must be a whole number from 1 to 65535, not ${JSON.stringify(port)}`);
      ok = false;
    }
    let tokenFile: string | undefined;
    if ('token_file' in peer) {
      if (typeof peer.token_file !== 'string' || peer.token_file === '') {
        at([...path, 'token_file'], 'token_file must be the path of a file holding the secret');
        ok = false;
      } else {
        tokenFile = resolvePath(scenarioDir, peer.token_file);
        if (!existsSync(tokenFile)) {
          at(
            [...path, 'token_file'],
            `token_file ${tokenFile} does not exist: create it with the secret bench serve was given, or fix the path (relative paths start at the scenario's folder)`,
          );
          ok = false;
        }
      }
    }
    if (!ok || typeof peer.host !== 'string') continue;
    const spec: PeerSpec = { name, host: peer.host.trim(), port: port as number };
    if (tokenFile !== undefined) spec.token_file = tokenFile;
    peers.set(name, spec);
  }
  return peers;
}

/** Groups of peers: lists of names under peers, each a peer with a host of its own, at least two, none twice. */
function checkGroupSpecs(value: unknown, peerNames: readonly string[], scenarioDir: string, at: At): Map<string, PeerGroupSpec> {
  const groups = new Map<string, PeerGroupSpec>();
  if (!isMapping(value)) return groups;
  for (const [name, members] of Object.entries(value)) {
    if (!isGroup(members) || name === LOCAL_PEER || !PEER_NAME.test(name)) continue;
    const path = ['peers', name];
    if (!Array.isArray(members)) {
      const dns = checkDnsGroup(path, members as Record<string, unknown>, scenarioDir, at);
      if (dns) groups.set(name, { name, members: [], dns });
      continue;
    }
    let ok = true;
    const seen = new Set<string>();
    members.forEach((member: unknown, i) => {
      const problem = groupMemberProblem(member, peerNames, seen);
      if (problem !== null) {
        at([...path, i], problem);
        ok = false;
      }
      if (typeof member === 'string') seen.add(member);
    });
    if (ok && members.length < 2) {
      at(path, `group '${name}' has ${members.length === 0 ? 'no members' : 'one member'}: a mesh needs at least two peers`);
      ok = false;
    }
    if (ok) groups.set(name, { name, members: members as string[] });
  }
  return groups;
}

/** A peer entry that is a group: a list of names, or a mapping with dns:. */
function isGroup(value: unknown): boolean {
  return Array.isArray(value) || (isMapping(value) && 'dns' in value);
}

function checkDnsGroup(path: DocPath, group: Record<string, unknown>, scenarioDir: string, at: At): PeerGroupSpec['dns'] {
  let ok = true;
  if (typeof group.dns !== 'string' || !/^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/.test(group.dns.trim())) {
    at(
      [...path, 'dns'],
      `dns must be a host name whose A/AAAA records are the group's members, such as bench.bench.svc.cluster.local, not ${JSON.stringify(group.dns)}`,
    );
    ok = false;
  }
  if ('host' in group) {
    at([...path, 'host'], 'a DNS group has dns:, not host:: its members are the addresses dns: resolves to', 'key');
    ok = false;
  }
  const port = typeof group.port === 'string' && /^\d+$/.test(group.port.trim()) ? Number(group.port) : (group.port ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
    at([...path, 'port'], `port must be a whole number from 1 to 65535, not ${JSON.stringify(port)}`);
    ok = false;
  }
  let tokenFile: string | undefined;
  if ('token_file' in group) {
    if (typeof group.token_file !== 'string' || group.token_file === '') {
      at([...path, 'token_file'], 'token_file must be the path of a file holding the secret');
      ok = false;
    } else {
      tokenFile = resolvePath(scenarioDir, group.token_file);
      if (!existsSync(tokenFile)) {
        at(
          [...path, 'token_file'],
          `token_file ${tokenFile} does not exist: create it with the secret bench serve was given, or fix the path (relative paths start at the scenario's folder)`,
        );
        ok = false;
      }
    }
  }
  if (!ok) return undefined;
  const dns: NonNullable<PeerGroupSpec['dns']> = { name: (group.dns as string).trim(), port: port as number };
  if (tokenFile !== undefined) dns.token_file = tokenFile;
  return dns;
}

function groupMemberProblem(member: unknown, peerNames: readonly string[], seen: ReadonlySet<string>): string | null {
  if (typeof member !== 'string' || member.trim() === '')
    return 'a group member must be the name of a peer defined under peers, such as lab-a';
  if (member === LOCAL_PEER) return `'${LOCAL_PEER}' cannot be a group member: a remote server cannot reach this machine's embedded server`;
  if (seen.has(member)) return `peer '${member}' is listed twice in this group: list it once`;
  if (peerNames.includes(member)) return null;
  const guess = didYouMean(member, peerNames);
  return guess !== undefined
    ? `peer '${member}' is not defined under peers: did you mean '${guess}'?`
    : `peer '${member}' is not defined under peers: add it there with its host`;
}

/** The settings in one mapping (defaults, or a run), in the order written. */
function checkSettings(
  path: DocPath,
  value: unknown,
  test: TestName | undefined,
  peers: readonly string[],
  problems: Problem[],
): Setting[] | null {
  if (!isMapping(value)) {
    problems.push({
      place: { kind: 'node', path, part: 'value' },
      message: `${path[0] === 'defaults' ? 'defaults' : 'a run'} must be a mapping of keys to values, such as { duration: 10s }`,
    });
    return null;
  }
  const settings: Setting[] = [];
  const before = problems.length;
  for (const [key, v] of Object.entries(value)) {
    const spec = paramOf(key);
    if (!spec) continue;
    const keyPath = [...path, key];
    if (test !== undefined && !appliesTo(spec, test)) {
      problems.push({
        place: { kind: 'node', path: keyPath, part: 'key' },
        message: `${key} does not apply to ${test} (only to ${listWords(spec.tests, 'and')}): remove it from this run`,
      });
      continue;
    }
    const found = checkSettingValueAt(spec, v, keyPath, peers);
    problems.push(...found);
    if (found.length === 0)
      settings.push({
        key: spec.key,
        value: v,
        place: { kind: 'node', path: keyPath, part: 'value' },
        layer: path[0] === 'defaults' ? 1 : 2,
        path: keyPath,
      });
  }
  return problems.length === before ? settings : null;
}

function checkSettingValueAt(spec: Param, value: unknown, path: DocPath, peers: readonly string[]): Problem[] {
  return checkSettingValue(spec, value, (i) => ({ kind: 'node', path: i === undefined ? path : [...path, i], part: 'value' }), peers);
}

interface KnownNames {
  peers: readonly string[];
  groups: readonly string[];
}

function checkRuns(value: unknown, names: KnownNames, problems: Problem[], at: At): { valid: RunSpec[]; complete: boolean } {
  if (value === undefined) return { valid: [], complete: false };
  if (!Array.isArray(value)) {
    at(['runs'], 'runs must be a list of runs, each starting with - test: TCP_STREAM (or UDP_STREAM, TCP_RR, UDP_RR, TCP_CRR)');
    return { valid: [], complete: false };
  }
  if (value.length === 0) {
    at(['runs'], 'runs is empty: add at least one run, such as - test: TCP_STREAM');
    return { valid: [], complete: false };
  }
  const valid: RunSpec[] = [];
  value.forEach((run: unknown, index) => {
    const spec = checkRun(run, index, names, problems, at);
    if (spec) valid.push(spec);
  });
  return { valid, complete: valid.length === value.length };
}

function checkRun(run: unknown, index: number, names: KnownNames, problems: Problem[], at: At): RunSpec | null {
  const peers = names.peers;
  const path = ['runs', index];
  if (!isMapping(run)) {
    at(path, `run ${index + 1} must be a mapping, such as - { test: TCP_STREAM, duration: 10s }`);
    return null;
  }
  const before = problems.length;
  let test: TestName | undefined;
  if ('test' in run) {
    if (typeof run.test === 'string' && isTestName(run.test)) test = run.test;
    else at([...path, 'test'], unknownTestMessage(run.test));
  }
  if ('label' in run && (typeof run.label !== 'string' || run.label.trim() === '')) {
    at([...path, 'label'], 'label must be text, such as label: baseline-1G');
  }
  // Without a known test, which keys apply is unknown: check values only.
  const settings = checkSettings(path, run, test, peers, problems);
  const expect = 'expect' in run ? checkExpect([...path, 'expect'], run.expect, test, at) : [];
  const ends = checkEnds(path, run, names, at);
  if ('parallel' in run && run.parallel !== 'disjoint') {
    at(
      [...path, 'parallel'],
      `parallel must be disjoint (runs that share no host run at once), not ${JSON.stringify(run.parallel)}; leave it out to run one at a time`,
    );
  } else if ('parallel' in run && ends === undefined) {
    at(
      [...path, 'parallel'],
      'parallel: disjoint needs mesh: or pairs: in the same run: it runs their pairs that share no host at once',
      'key',
    );
  }
  if (problems.length > before || test === undefined || settings === null || expect === null) return null;
  const spec: RunSpec = { index, test, settings, expect };
  if (ends) spec.ends = ends;
  if (run.parallel === 'disjoint') spec.parallel = 'disjoint';
  if (typeof run.label === 'string') spec.label = run.label.trim();
  return spec;
}

/** `mesh: GROUP` or `pairs: [[a, b], ...]`, which replace the run's from:, to: and peer:. */
function checkEnds(path: DocPath, run: Record<string, unknown>, names: KnownNames, at: At): RunEnds | undefined {
  const hasMesh = 'mesh' in run;
  const hasPairs = 'pairs' in run;
  if (!hasMesh && !hasPairs) return undefined;
  if (hasMesh && hasPairs) {
    at([...path, 'pairs'], 'give mesh: or pairs:, not both: mesh runs every ordered pair of a group, pairs lists them', 'key');
    return undefined;
  }
  for (const key of ['from', 'to', 'peer']) {
    if (key in run) {
      at([...path, key], `${key}: does not go with ${hasMesh ? 'mesh' : 'pairs'}:, which names both ends of each run: remove it`, 'key');
      return undefined;
    }
  }
  if (hasMesh) {
    const group = run.mesh;
    const place: ProblemPlace = { kind: 'node', path: [...path, 'mesh'], part: 'value' };
    if (typeof group === 'string' && names.groups.includes(group)) return { kind: 'mesh', group, place };
    if (typeof group === 'string' && names.peers.includes(group)) {
      at(
        [...path, 'mesh'],
        `'${group}' is a peer, not a group: define a group under peers as a list of peer names, such as rack: [lab-a, lab-b, lab-c]`,
      );
    } else if (typeof group !== 'string') at([...path, 'mesh'], 'mesh must be the name of a group under peers, such as mesh: rack');
    else {
      const guess = didYouMean(group, names.groups);
      const defined =
        names.groups.length === 0
          ? 'no group is defined: add one under peers as a list of peer names, such as rack: [lab-a, lab-b, lab-c]'
          : `defined groups: ${names.groups.join(', ')}`;
      at(
        [...path, 'mesh'],
        guess !== undefined
          ? `group '${group}' is not defined under peers: did you mean '${guess}'?`
          : `group '${group}' is not defined under peers (${defined})`,
      );
    }
    return undefined;
  }
  const pairs = run.pairs;
  const example = 'such as pairs: [[lab-a, lab-b], [lab-c, lab-d]]';
  if (!Array.isArray(pairs) || pairs.length === 0) {
    at([...path, 'pairs'], `pairs must be a list of [from, to] pairs of peer names, ${example}`);
    return undefined;
  }
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  let ok = true;
  pairs.forEach((pair: unknown, i) => {
    const pairPath = [...path, 'pairs', i];
    if (!Array.isArray(pair) || pair.length !== 2) {
      at(pairPath, `each pair must be [from, to], two peer names, ${example}`);
      ok = false;
      return;
    }
    pair.forEach((name: unknown, j) => {
      const problem = typeof name === 'string' ? pairMemberProblem(name, names.peers) : 'a pair names two peers defined under peers';
      if (problem !== null) {
        at([...pairPath, j], problem);
        ok = false;
      }
    });
    if (!ok) return;
    const [from, to] = pair as [string, string];
    const id = JSON.stringify([from, to]);
    if (from === to) at(pairPath, `pair [${from}, ${to}] has the same peer at both ends: a run needs two different hosts`);
    else if (seen.has(id)) at(pairPath, `pair [${from}, ${to}] is listed twice: list it once (repeat: runs it again)`);
    else {
      seen.add(id);
      out.push([from, to]);
      return;
    }
    ok = false;
  });
  return ok ? { kind: 'pairs', pairs: out, place: { kind: 'node', path: [...path, 'pairs'], part: 'value' } } : undefined;
}

function pairMemberProblem(name: string, peers: readonly string[]): string | null {
  if (peers.includes(name)) return null;
  if (name === LOCAL_PEER) return `'${LOCAL_PEER}' cannot be in a pair: a remote server cannot reach this machine's embedded server`;
  const guess = didYouMean(name, peers);
  return guess !== undefined
    ? `peer '${name}' is not defined under peers: did you mean '${guess}'?`
    : `peer '${name}' is not defined under peers: add it there with its host`;
}

function unknownTestMessage(value: unknown): string {
  if (typeof value !== 'string') return `test must be one of ${listWords(TEST_NAMES, 'or')}`;
  const guess = didYouMean(value, TEST_NAMES);
  return guess !== undefined
    ? `unknown test '${value}': did you mean '${guess}'?`
    : `unknown test '${value}': tests are ${listWords(TEST_NAMES)}`;
}

function checkExpect(path: DocPath, value: unknown, test: TestName | undefined, at: At): Expectation[] | null {
  if (!isMapping(value)) {
    at(path, 'expect must be a mapping of figures to conditions, such as { throughput_mbps: ">= 900" }');
    return null;
  }
  const expectations: Expectation[] = [];
  let ok = true;
  for (const [figure, condition] of Object.entries(value)) {
    const message = test !== undefined ? checkFigure(test, figure) : checkAnyFigure(figure);
    if (message !== null) {
      at([...path, figure], message, 'key');
      ok = false;
    }
    const parsed = parseCondition(figure, condition);
    if (!parsed.ok) {
      at([...path, figure], parsed.message);
      ok = false;
    } else expectations.push(parsed.expectation);
  }
  return ok ? expectations : null;
}

function checkReport(value: unknown, at: At): ScenarioSpec['report'] | undefined {
  if (value === undefined) return undefined;
  if (!isMapping(value)) {
    at(['report'], 'report must be a mapping, such as { formats: [html, md], title: Lab baseline }');
    return undefined;
  }
  // An explicit empty list turns reports off; leaving `formats` out (a block with only a title) keeps the default.
  const formats: ReportFormat[] = 'formats' in value ? [] : [...DEFAULT_REPORT_FORMATS];
  if ('formats' in value) {
    if (!Array.isArray(value.formats)) at(['report', 'formats'], 'formats must be a list, such as [html, md]');
    else {
      value.formats.forEach((f: unknown, i) => {
        if (typeof f !== 'string' || !(REPORT_FORMATS as readonly string[]).includes(f)) {
          at(['report', 'formats', i], `unknown report format ${JSON.stringify(f)}: formats are ${REPORT_FORMATS.join(', ')}`);
        } else if (formats.includes(f as ReportFormat)) at(['report', 'formats', i], `report format ${f} is listed twice: list it once`);
        else formats.push(f as ReportFormat);
      });
    }
  }
  const report: NonNullable<ScenarioSpec['report']> = { formats };
  if ('title' in value) {
    if (typeof value.title !== 'string' || value.title.trim() === '') at(['report', 'title'], 'title must be text');
    else report.title = value.title;
  }
  return report;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

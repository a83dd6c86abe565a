import { resolveDnsGroup } from './dns-group.js';
import { PeerUnreachableError, UsageError } from '../core/errors.js';
import type { PeerAddress } from '../core/run-events.js';
import { expandPlan, planRuns } from './expand-plan.js';
import type { LoadedScenario } from './load-scenario.js';
import { disjointRounds } from './mesh-rounds.js';
import type { PeerGroupSpec, PeerSpec, PlannedGroup, ScenarioSpec } from './scenario-model.js';

/**
 * One line per run of the file that has mesh: or pairs:, saying what it
 * expands to, for `bench validate`: `run 1: mesh rack: 3 hosts, 6 runs
 * (every ordered pair), in 4 rounds of runs that share no host`.
 */
export function fleetLines(spec: ScenarioSpec, groups: readonly PlannedGroup[]): string[] {
  const lines: string[] = [];
  for (const run of spec.runs) {
    if (!run.ends) continue;
    const own = groups.filter((g) => g.scenario_index === run.index);
    const runs = own.reduce((n, g) => n + g.repeat, 0);
    const runWord = runs === 1 ? 'run' : 'runs';
    const group = run.ends.kind === 'mesh' ? spec.groups.get(run.ends.group) : undefined;
    if (run.ends.kind === 'mesh' && group?.dns && group.members.length === 0) {
      lines.push(
        `run ${run.index + 1}: mesh ${run.ends.group}: every ordered pair of the hosts ${group.dns.name} resolves to, resolved at run time${run.parallel === 'disjoint' ? ', in rounds of runs that share no host' : ', one at a time'}`,
      );
      continue;
    }
    const what =
      run.ends.kind === 'mesh'
        ? `mesh ${run.ends.group}: ${group?.members.length ?? 0} hosts, ${runs} ${runWord} (every ordered pair)`
        : `pairs: ${run.ends.pairs.length} ${run.ends.pairs.length === 1 ? 'pair' : 'pairs'}, ${runs} ${runWord}`;
    const how = run.parallel === 'disjoint' ? `in ${roundCount(own)} rounds of runs that share no host` : 'one at a time';
    lines.push(`run ${run.index + 1}: ${what}, ${how}`);
  }
  return lines;
}

/** How many rounds the runner will make of these groups' runs (repeats included). */
function roundCount(groups: readonly PlannedGroup[]): number {
  const runs = groups.flatMap((g) => Array.from({ length: g.repeat }, () => ({ from: g.from_name, to: g.peer_name })));
  return disjointRounds(runs).length;
}

/** The name a bench server reports in its WELCOME (client/probe-peer.ts), injected by the command. */
export type ProbeFn = (peer: PeerAddress, timeoutMs: number) => Promise<string>;
export type LookupFn = (name: string) => Promise<string[]>;

/** How long a member may take to say its name: a server that is up answers HELLO at once. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * Resolves the scenario's DNS groups, before the first run: every A/AAAA
 * record is a member, named by the name its server reports (`bench serve
 * --name`), or by its address when it does not answer (its runs then fail
 * with their own errors, and the mesh goes on). The scenario is expanded
 * again with the members in place. `say` hears one line per group.
 */
export async function resolveDnsGroups(
  loaded: LoadedScenario,
  probe: ProbeFn,
  say: (line: string) => void,
  lookup: LookupFn = lookupAll,
): Promise<LoadedScenario> {
  const dnsGroups = [...loaded.spec.groups.values()].filter((g) => g.dns);
  if (dnsGroups.length === 0) return loaded;
  const spec: ScenarioSpec = { ...loaded.spec, peers: new Map(loaded.spec.peers), groups: new Map(loaded.spec.groups) };
  for (const group of dnsGroups) {
    const dns = group.dns as NonNullable<PeerGroupSpec['dns']>;
    let addresses: string[];
    try {
      addresses = await lookup(dns.name);
    } catch (err) {
      throw new PeerUnreachableError(
        `peer group '${group.name}': cannot resolve ${dns.name} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): check the name and the DNS server this machine uses`,
      );
    }
    if (addresses.length < 2) {
      throw new PeerUnreachableError(
        `peer group '${group.name}': ${dns.name} resolves to ${addresses.length === 0 ? 'no address' : `one address (${addresses[0]})`}: a mesh needs at least two hosts`,
      );
    }
    const named = await Promise.all(
      addresses.map(async (host) => {
        const address: PeerAddress = { host, port: dns.port, ...(dns.token_file !== undefined ? { token_file: dns.token_file } : {}) };
        try {
          return { host, name: await probe(address, PROBE_TIMEOUT_MS), answered: true };
        } catch {
          return { host, name: host, answered: false };
        }
      }),
    );
    const members: string[] = [];
    for (const m of named) {
      // Two servers with one name, or a name a peer already has: the address tells them apart.
      const name = spec.peers.has(m.name) || spec.groups.has(m.name) || members.includes(m.name) ? `${m.name}@${m.host}` : m.name;
      members.push(name);
      const peer: PeerSpec = { name, host: m.host, port: dns.port };
      if (dns.token_file !== undefined) peer.token_file = dns.token_file;
      spec.peers.set(name, peer);
    }
    spec.groups.set(group.name, { ...group, members });
    const silent = named.filter((m) => !m.answered).map((m) => m.host);
    say(
      `peer group ${group.name}: ${dns.name} resolves to ${members.length} hosts: ${members.join(', ')}${silent.length > 0 ? ` (no answer from ${silent.join(', ')})` : ''}`,
    );
  }
  const plan = expandPlan(spec, loaded.overrides);
  if (plan.problems.length > 0) throw new UsageError(`after resolving the DNS groups: ${plan.problems.map((p) => p.message).join('; ')}`);
  return { ...loaded, spec, groups: plan.groups, runs: planRuns(plan.groups) };
}

/** Every address of the name, by the system resolver, within its time limit (dns-group.ts). */
async function lookupAll(name: string): Promise<string[]> {
  const members = await resolveDnsGroup(name, name, 0);
  return members.map((m) => m.host).sort();
}

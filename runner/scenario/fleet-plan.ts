import { disjointRounds } from './mesh-rounds.js';
import type { PlannedGroup, ScenarioSpec } from './scenario-model.js';

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
    const what =
      run.ends.kind === 'mesh'
        ? `mesh ${run.ends.group}: ${spec.groups.get(run.ends.group)?.members.length ?? 0} hosts, ${runs} ${runWord} (every ordered pair)`
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

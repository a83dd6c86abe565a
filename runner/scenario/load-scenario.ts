import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../core/errors.js';
import { checkScenario } from './check-scenario.js';
import { substituteEnvironment } from './env-substitution.js';
import { expandPlan, planRuns } from './expand-plan.js';
import type { PlannedGroup, PlannedRun, ScenarioSpec, Setting } from './scenario-model.js';
import { ScenarioError, type DocPath, type Problem } from './scenario-problem.js';
import { schemaProblems } from './scenario-schema.js';
import { parseSetOverrides } from './set-overrides.js';
import { documentData, locateAll, parseYamlSource, problemOffset, type YamlSource } from './yaml-source.js';

/** A scenario ready to run: validated, expanded, nothing sent yet. */
export interface LoadedScenario {
  /** The path as the user gave it. */
  file: string;
  text: string;
  sha256: string;
  spec: ScenarioSpec;
  groups: PlannedGroup[];
  runs: PlannedRun[];
  /** `--set`, kept for expanding again once DNS groups are resolved. */
  overrides: Setting[];
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** `--set` as cac gives it: a string, an array, or undefined. */
  set?: unknown;
}

/**
 * Reads, validates and expands a scenario file. Every problem found is
 * collected and thrown together in one ScenarioError, each at its
 * FILE:LINE:COL, so one edit-and-retry fixes them all.
 */
export async function loadScenario(file: string, options: LoadOptions = {}): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new UsageError(`cannot read scenario ${file}: ${reason}`);
  }
  return parseScenario(file, text, options);
}

export function parseScenario(file: string, text: string, options: LoadOptions = {}): LoadedScenario {
  const { source, problems: syntax } = parseYamlSource(file, text);
  // Past a syntax error the data is a guess: report only what the parser found.
  if (syntax.length > 0) throw new ScenarioError(file, locateAll(source, syntax));

  const env = substituteEnvironment(source, options.env ?? process.env);
  const read = documentData(source);
  if (read.problems.length > 0) fail(source, [...env.problems, ...read.problems]);
  const data = read.data;
  const check = checkScenario(data, dirname(file));
  const checked: DocPath[] = check.problems.flatMap((p) => (p.place.kind === 'node' ? [p.place.path] : []));
  // When the file is not a mapping at all, the checker's one sentence says it all.
  const structure = check.spec ? schemaProblems(data, checked) : [];
  const overrides = parseSetOverrides(options.set, peerNames(data));

  // Checks after expansion (across keys, labels) run on whatever part is valid, so they are listed too.
  const plan = check.spec ? expandPlan(check.spec, overrides.settings) : { groups: [], problems: [] };
  const problems = [
    ...env.problems,
    ...quietOnUnresolved(source, [...check.problems, ...structure], env.unresolved),
    ...overrides.problems,
    ...plan.problems,
  ];
  if (problems.length > 0 || !check.complete || !check.spec) fail(source, problems);
  const spec = check.spec as ScenarioSpec;
  return {
    file,
    text,
    sha256: createHash('sha256').update(text).digest('hex'),
    spec,
    groups: plan.groups,
    runs: planRuns(plan.groups),
    overrides: overrides.settings,
  };
}

function fail(source: YamlSource, problems: readonly Problem[]): never {
  throw new ScenarioError(source.file, locateAll(source, problems));
}

function quietOnUnresolved(source: YamlSource, problems: readonly Problem[], unresolved: readonly [number, number][]): Problem[] {
  if (unresolved.length === 0) return [...problems];
  // Values do not overlap, so sorted by start a binary search finds the one a problem may fall in.
  const spans = [...unresolved].sort((a, b) => a[0] - b[0]);
  const inSpan = (at: number): boolean => {
    let lo = 0;
    let hi = spans.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (spans[mid][0] > at) hi = mid - 1;
      else if (at >= spans[mid][1]) lo = mid + 1;
      else return true;
    }
    return false;
  };
  return problems.filter((p) => {
    if (p.place.kind !== 'node' || p.place.part !== 'value') return true;
    const at = problemOffset(source, p);
    return at === null || !inSpan(at);
  });
}

function peerNames(data: unknown): string[] {
  if (data === null || typeof data !== 'object') return [];
  const peers = (data as Record<string, unknown>).peers;
  return peers !== null && typeof peers === 'object' && !Array.isArray(peers) ? Object.keys(peers).filter((n) => n !== 'local') : [];
}

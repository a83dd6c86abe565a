import type { ResultsFile } from '../core/results-file.js';
import { RESULTS_SCHEMA_VERSION } from '../core/results-file.js';
import type { RunObject } from '../core/run-object.js';
import { checkExpectations, summarizeGroups } from './group-results.js';
import { hostInfo } from './host-info.js';
import type { LoadedScenario } from './load-scenario.js';
import type { PlannedGroup } from './scenario-model.js';

export interface ResultsInput {
  loaded: Pick<LoadedScenario, 'file' | 'text' | 'sha256' | 'spec'>;
  /** The groups that were planned (after --only). */
  groups: readonly PlannedGroup[];
  runs: RunObject[];
  interrupted: boolean;
  startedAt: Date;
  finishedAt: Date;
  note?: string;
}

/** results.json for one `bench run`: every run, statistics per group, every expectation judged. */
export function buildResults(input: ResultsInput): ResultsFile {
  const { loaded, groups, runs } = input;
  const summaries = summarizeGroups(groups, runs);
  const results: ResultsFile = {
    schema_version: RESULTS_SCHEMA_VERSION,
    scenario: { name: loaded.spec.name, file: loaded.file, sha256: loaded.sha256, text: loaded.text },
    host: hostInfo(),
    started_at: input.startedAt.toISOString(),
    finished_at: input.finishedAt.toISOString(),
    runs,
    groups: summaries,
    expectations: checkExpectations(groups, summaries),
  };
  if (loaded.spec.description !== undefined) results.scenario.description = loaded.spec.description;
  if (loaded.spec.report !== undefined) results.scenario.report = loaded.spec.report;
  if (input.note !== undefined && input.note !== '') results.note = input.note;
  if (input.interrupted) results.interrupted = true;
  return results;
}

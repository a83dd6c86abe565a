import { readFileSync } from 'node:fs';
import os from 'node:os';
import { benchVersion } from '../core/package-paths.js';
import { RESULTS_SCHEMA_VERSION, type ResultsFile } from '../core/results-file.js';
import type { RunObject } from '../core/run-object.js';
import { checkExpectations, summarizeGroups } from './group-results.js';
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

/** The machine the client ran on, so results from different hosts are not compared blindly. */
function hostInfo(): ResultsFile['host'] {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    os: osName(),
    kernel: os.release(),
    cpus: os.availableParallelism?.() ?? cpus.length,
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    bench_version: benchVersion,
  };
}

function osName(): string {
  if (process.platform === 'linux') {
    try {
      const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
      if (m) return m[1];
    } catch {
      // Containers may lack /etc/os-release; the kernel name below still says Linux.
    }
  }
  return `${os.type()} ${os.arch()}`;
}

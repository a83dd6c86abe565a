import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { RESULTS_SCHEMA_VERSION, type ResultsFile } from '../core/results-file.js';
import type { RunObject } from '../core/run-object.js';
import type { RunLogContents } from '../report/load-results.js';
import { summarizeGroups } from './group-results.js';
import type { PlannedGroup } from './scenario-model.js';

/**
 * A results file rebuilt from results.jsonl alone, for a `bench run` that
 * never wrote results.json (killed, crashed, power cut): every run it logged,
 * grouped by label with the same statistics results.json has. What the log
 * does not hold is said, not invented: no scenario text, no host, no sweep
 * keys, no expectations; the note says so and the results count as interrupted.
 */
export function resultsFromRunLog(log: RunLogContents): ResultsFile {
  const { runs } = log;
  const planned = plannedGroups(runs);
  const first = runs[0];
  const last = runs[runs.length - 1];
  const finished = new Date(Date.parse(last.started_at) + last.duration_s * 1000);
  const folder = basename(dirname(log.path));
  return {
    schema_version: RESULTS_SCHEMA_VERSION,
    // results/<name>-<UTC time>: the scenario's name is the folder's, less its time.
    scenario: {
      name: folder.replace(/-\d{8}T\d{6}Z(-\d+)?$/, '') || folder,
      file: log.path,
      sha256: createHash('sha256').update('').digest('hex'),
      text: '',
    },
    host: {
      hostname: 'unknown',
      os: 'unknown',
      kernel: 'unknown',
      cpus: 1,
      cpu_model: 'unknown',
      node: 'unknown',
      bench_version: 'unknown',
    },
    note: `Rebuilt from ${log.path} (${runs.length} run${runs.length === 1 ? '' : 's'}): the run ended before writing results.json, so the host, the scenario text, sweeps and expectations are not known.`,
    started_at: first.started_at,
    finished_at: Number.isNaN(finished.getTime()) ? last.started_at : finished.toISOString(),
    runs,
    groups: summarizeGroups(planned, runs),
    expectations: [],
    interrupted: true,
  };
}

/** One group per label, in the order the labels first ran; a run without a label (bench test --json) is its test's. */
function plannedGroups(runs: RunObject[]): PlannedGroup[] {
  const groups = new Map<string, PlannedGroup>();
  for (const run of runs) {
    run.label ??= run.test;
    const existing = groups.get(run.label);
    if (existing) {
      existing.repeat++;
      continue;
    }
    groups.set(run.label, {
      label: run.label,
      scenario_index: run.scenario_index ?? groups.size,
      test: run.test,
      peer_name: run.peer.embedded ? 'local' : `${run.peer.host}:${run.peer.port}`,
      from_name: run.from ? `${run.from.host}:${run.from.port}` : 'local',
      params: run.params,
      sweep: {},
      repeat: 1,
      pause_s: 0,
      wait_s: 0,
      expect: [],
    });
  }
  return [...groups.values()];
}

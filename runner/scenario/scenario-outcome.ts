import type { ResultsFile } from '../core/results-file.js';

/** The same numbers as EXIT in runner/cli/report-failure.ts, named for what a scenario run means by them. */
export const RUN_EXIT = { ok: 0, runFailed: 1, expectationNotMet: 3, interrupted: 130 } as const;

/**
 * The exit code of `bench run`, worst first: 130 interrupted (results are
 * written all the same), 1 a run failed, 3 every run ran but an expectation
 * was not met, 0 all well. (2, invalid input, never gets this far.)
 */
export function scenarioExitCode(results: Pick<ResultsFile, 'runs' | 'expectations' | 'interrupted'>): number {
  if (results.interrupted) return RUN_EXIT.interrupted;
  if (results.runs.some((r) => r.status === 'failed')) return RUN_EXIT.runFailed;
  if (results.expectations.some((e) => !e.ok)) return RUN_EXIT.expectationNotMet;
  return RUN_EXIT.ok;
}

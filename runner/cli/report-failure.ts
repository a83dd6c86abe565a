import { BenchError } from '../core/errors.js';
import type { ResultsFile } from '../core/results-file.js';
import { printable } from '../core/terminal-text.js';

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2, expectation: 3, interrupted: 130 } as const;

/**
 * The exit code of `bench run`, worst first: 130 interrupted (results are
 * written all the same), 1 a run failed, 3 every run ran but an expectation
 * was not met, 0 all well. (2, invalid input, never gets this far.)
 */
export function scenarioExitCode(results: Pick<ResultsFile, 'runs' | 'expectations' | 'interrupted'>): number {
  if (results.interrupted) return EXIT.interrupted;
  if (results.runs.some((r) => r.status === 'failed')) return EXIT.failed;
  if (results.expectations.some((e) => !e.ok)) return EXIT.expectation;
  return EXIT.ok;
}

/** Prints one line for a failure and returns the exit code it deserves. */
export function reportFailure(err: unknown): number {
  if (err instanceof BenchError) {
    process.stderr.write(`bench: ${printable(err.message, { multiline: true })}\n`);
    if (err.code === 'E_USAGE' || err.code === 'E_UNIT' || err.code === 'E_SCENARIO') return EXIT.usage;
    if (err.code === 'E_INTERRUPTED') return EXIT.interrupted;
    return EXIT.failed;
  }
  // cac throws plain errors for unknown options and missing arguments.
  if (err instanceof Error && err.name === 'CACError') {
    process.stderr.write(`bench: ${printable(err.message)} (see bench --help)\n`);
    return EXIT.usage;
  }
  process.stderr.write(
    `bench: internal error: ${printable(err instanceof Error ? (err.stack ?? err.message) : String(err), { multiline: true })}\n`,
  );
  return EXIT.failed;
}

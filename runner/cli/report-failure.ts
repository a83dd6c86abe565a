import { BenchError } from '../core/errors.js';
import { printable } from '../core/terminal-text.js';

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2, expectation: 3, interrupted: 130 } as const;

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

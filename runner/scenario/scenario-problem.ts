import { BenchError } from '../core/errors.js';

/** A path into the scenario document, such as ['runs', 1, 'rate', 0]. */
export type DocPath = readonly (string | number)[];

/** Where a problem is, before it is turned into FILE:LINE:COL. */
export type ProblemPlace =
  /** A node of the document: its key (for unknown keys) or its value. */
  | { kind: 'node'; path: DocPath; part: 'key' | 'value' }
  /** A character offset in the file text (YAML syntax errors, a variable inside a value). */
  | { kind: 'offset'; offset: number }
  /** A command-line `--set key=value`, shown as written. */
  | { kind: 'set'; text: string };

export interface Problem {
  place: ProblemPlace;
  message: string;
}

/** A problem placed on a line, ready to print. */
export interface LocatedProblem {
  /** `FILE:LINE:COL` or `--set key=value`. */
  where: string;
  line: number;
  col: number;
  message: string;
}

/**
 * A scenario that cannot run, with every problem found (not just the first),
 * each on its own line as FILE:LINE:COL: sentence so editors and CI can jump
 * to it. Code E_SCENARIO: exit code 2.
 */
export class ScenarioError extends BenchError {
  readonly problems: readonly LocatedProblem[];

  constructor(file: string, problems: readonly LocatedProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const onlySet = problems.every((p) => p.where.startsWith('--set '));
    const what = onlySet ? `--set does not fit ${file}` : `${file} is not a valid scenario`;
    super('E_SCENARIO', `${what} (${count}, nothing was run):\n${problems.map((p) => `${p.where}: ${p.message}`).join('\n')}`);
    this.problems = problems;
  }
}

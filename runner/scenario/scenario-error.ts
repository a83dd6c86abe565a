import { BenchError } from '../core/errors.js';
import { formatProblem, type LocatedProblem } from './scenario-problem.js';

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
    super('E_SCENARIO', `${what} (${count}, nothing was run):\n${problems.map(formatProblem).join('\n')}`);
    this.problems = problems;
  }
}

import { fleetLines } from '../../scenario/fleet-plan.js';
import { loadScenario } from '../../scenario/load-scenario.js';
import { printable } from '../../core/terminal-text.js';
import { peerLimitWarnings } from '../../scenario/server-limits-check.js';
import { planWarnings } from '../../scenario/shaky-figures.js';
import { planHeadline, planLines } from '../scenario-output/plan-listing.js';

/**
 * `bench validate FILE`: everything `bench run` checks before sending a
 * byte. A bad file throws ScenarioError (every problem, FILE:LINE:COL, exit
 * 2); a good one prints what it expands to and exits 0.
 */
export async function validateCommand(file: string, options: { set?: string | string[] } = {}): Promise<number> {
  const loaded = await loadScenario(file, { set: options.set });
  const lines = [
    `${printable(file)}: valid scenario '${printable(loaded.spec.name)}': ${planHeadline(loaded.groups, loaded.runs)}`,
    ...planLines(loaded),
    ...fleetLines(loaded.spec, loaded.groups).map((line) => printable(line)),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const w of [...planWarnings(loaded.groups), ...peerLimitWarnings(loaded.groups)]) process.stderr.write(`warning: ${printable(w)}\n`);
  return 0;
}

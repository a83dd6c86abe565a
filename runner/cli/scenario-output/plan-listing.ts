import type { LoadedScenario } from '../../scenario/load-scenario.js';
import type { PlannedGroup, PlannedRun } from '../../scenario/scenario-model.js';
import { describeParams } from '../../core/params.js';
import { formatHostPort } from '../../core/host-port.js';
import { runSpan } from '../../core/test-params.js';
import { formatClock } from '../figure-text.js';
import { printable } from '../../core/terminal-text.js';

/** `14 runs (5 groups × repeats; rate × streams crossed), about 2m 40s of measuring`. */
export function planHeadline(groups: readonly PlannedGroup[], runs: readonly PlannedRun[]): string {
  // runSpan: an RRUL run measures its idle phases before and after the load too.
  const seconds = runs.reduce((t, r, i) => t + runSpan(r.group.params) + (i < runs.length - 1 ? r.group.pause_s : 0), 0);
  const runWord = runs.length === 1 ? 'run' : 'runs';
  const groupWord = groups.length === 1 ? 'group' : 'groups';
  const shape = runs.length === groups.length ? '' : ` in ${groups.length} ${groupWord}, with repeats`;
  const crossed = [...new Set(groups.filter((g) => Object.keys(g.sweep).length > 1).map((g) => Object.keys(g.sweep).join(' × ')))];
  const crossText = crossed.length > 0 ? `; sweeps crossed: ${crossed.join(', ')}` : '';
  return `${runs.length} ${runWord}${shape}${crossText}, about ${formatClock(seconds)} of measuring`;
}

/** One line per group, in the order they will run. */
export function planLines(loaded: LoadedScenario, groups: readonly PlannedGroup[] = loaded.groups): string[] {
  // A loop, not Math.max(...): a spread of 100,000 widths overflows the call stack.
  const width = groups.reduce((w, g) => Math.max(w, g.label.length), 0);
  return groups.map((g, i) => {
    const repeat = g.repeat > 1 ? `  ×${g.repeat}` : '';
    const where = g.peer ? formatHostPort(g.peer.host, g.peer.port) : 'embedded server';
    const expect = g.expect.length > 0 ? `  expect ${g.expect.map((e) => `${e.figure} ${e.condition}`).join(', ')}` : '';
    return `  ${String(i + 1).padStart(String(groups.length).length)}. ${printable(g.label).padEnd(width)}  ${describeParams(g.params)}  → ${printable(where)}${repeat}${expect}`;
  });
}

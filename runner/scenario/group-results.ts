import type { ExpectationResult, FigureStatistics, RunGroup } from '../core/results-file.js';
import type { RunObject } from '../core/run-object.js';
import { repeatStatistics } from '../measure/repeat-statistics.js';
import { evaluateExpectation } from './expectations.js';
import { betterOf, testFigureValues } from '../core/figure-catalog.js';
import type { PlannedGroup } from './scenario-model.js';

/**
 * Figures across repeats, per group, from the runs that counted: status ok,
 * not interrupted (a run cut short would drag the mean), with a summary.
 * Groups that never ran (the scenario was interrupted first) are left out.
 */
export function summarizeGroups(planned: readonly PlannedGroup[], runs: readonly RunObject[]): RunGroup[] {
  const out: RunGroup[] = [];
  for (const g of planned) {
    const own = runs.filter((r) => r.label === g.label);
    if (own.length === 0) continue;
    const values = new Map<string, number[]>();
    for (const r of own.filter(counts)) {
      for (const [figure, v] of Object.entries(testFigureValues(g.test, r.summary as object))) {
        values.set(figure, [...(values.get(figure) ?? []), v]);
      }
    }
    const figures: Record<string, FigureStatistics> = {};
    for (const [figure, vs] of values) {
      const s = repeatStatistics(vs);
      figures[figure] = { n: s.n, mean: s.mean, ci95: s.ci95, min: s.min, max: s.max, better: betterOf(g.test, figure) ?? 'higher' };
    }
    const data_path = groupDataPath(own.filter(counts));
    out.push({
      label: g.label,
      test: g.test,
      peer: g.peer_name,
      params: g.params,
      sweep: g.sweep,
      run_ids: own.map((r) => r.id),
      figures,
      data_path,
    });
  }
  return out;
}

/** One path when every side of every counted run said the same; the paths measure 2-4x apart, so compare must know. */
function groupDataPath(runs: readonly RunObject[]): RunGroup['data_path'] {
  const said = new Set(runs.flatMap((r) => [r.client.data_path, r.server.data_path]).filter((p) => p !== undefined && p !== null));
  if (said.size === 0) return null;
  return said.size === 1 ? [...said][0] : 'mixed';
}

export function counts(run: RunObject): boolean {
  return run.status === 'ok' && run.interrupted !== true && run.summary !== null;
}

/** Each expectation of each group that ran, on the mean across its repeats. */
export function checkExpectations(planned: readonly PlannedGroup[], groups: readonly RunGroup[]): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  for (const g of planned) {
    const summary = groups.find((s) => s.label === g.label);
    if (!summary) continue;
    for (const e of g.expect) results.push(evaluateExpectation(g.label, e, summary.figures[e.figure]?.mean ?? null));
  }
  return results;
}

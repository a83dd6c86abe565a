import { rateShortfall } from '../core/figure-catalog.js';
import type { RunGroup } from '../core/results-file.js';
import { formatDuration } from '../core/units.js';
import type { PlannedGroup } from './scenario-model.js';

/**
 * Where a figure should not be trusted as it stands, each with what to do.
 * Loss and jitter are left out of the spread check: near zero, any noise is
 * a large fraction of the mean without meaning anything.
 */
const WIDE_CI_FRACTION = 0.1;
const MIN_MEASURED_INTERVALS = 3;
const SPREAD_FIGURES = ['throughput_mbps', 'transactions_per_sec', 'latency_us.p50', 'latency_us.p99'];

/** Warnings known before anything runs: runs too short to settle. */
export function planWarnings(groups: readonly PlannedGroup[]): string[] {
  const short = groups.filter((g) => measuredIntervals(g) < MIN_MEASURED_INTERVALS);
  if (short.length === 0) return [];
  const p = short[0].params;
  const needed = formatDuration(p.omit_s + MIN_MEASURED_INTERVALS * p.interval_s);
  const setting = `duration ${formatDuration(p.duration_s)}, interval ${formatDuration(p.interval_s)}, omit ${formatDuration(p.omit_s)}`;
  const names =
    short
      .slice(0, 3)
      .map((g) => g.label)
      .join(', ') + (short.length > 3 ? ', ...' : '');
  const which =
    short.length === groups.length
      ? `every run measures fewer than ${MIN_MEASURED_INTERVALS} intervals (${setting})`
      : `${short.length} of ${groups.length} runs measure${short.length === 1 ? 's' : ''} fewer than ${MIN_MEASURED_INTERVALS} intervals (${names}; ${setting})`;
  return [`${which}: so short a run is mostly start-up; make duration at least ${needed}`];
}

/** Warnings from the results: UDP senders short of their rate, figures that varied widely across repeats, runs without repeats. */
export function resultWarnings(groups: readonly RunGroup[]): string[] {
  const warnings: string[] = [];
  for (const g of groups) {
    const shortfall = rateShortfall({ sender_mbps: g.figures.sender_mbps?.mean, target_mbps: g.figures.target_mbps?.mean });
    if (shortfall) warnings.push(`${g.label}: ${shortfall}; lower rate, or raise size or streams`);
    for (const figure of SPREAD_FIGURES) {
      const s = g.figures[figure];
      if (!s || s.ci95 === null || s.mean === 0) continue;
      const fraction = s.ci95 / Math.abs(s.mean);
      if (fraction > WIDE_CI_FRACTION) {
        warnings.push(
          `${g.label}: ${figure} varies widely across repeats (95% interval ±${(fraction * 100).toFixed(1)}% of the mean, over ${s.n} runs): add repeats or lengthen duration, and look for other traffic or CPU load on the path`,
        );
      }
    }
  }
  const measured = groups.filter((g) => Object.keys(g.figures).length > 0);
  if (measured.length > 0 && measured.every((g) => Object.values(g.figures).every((s) => s.n < 2))) {
    warnings.push('each run counted once, so there are no confidence intervals: set repeat: 3 or more to see how much the figures vary');
  }
  return warnings;
}

function measuredIntervals(g: PlannedGroup): number {
  return (g.params.duration_s - g.params.omit_s) / g.params.interval_s;
}

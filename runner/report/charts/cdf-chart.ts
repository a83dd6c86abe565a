import { type ChartSize, chartFrame, type LegendItem, WIDE } from './frame.js';
import { linearScale, logScale } from './scale.js';
import { coord, element } from './svg.js';

/**
 * Distributions as cumulative curves on a log axis, one per series, read as "this share of
 * samples took at most x": RRUL's idle and loaded round trips side by side, three decades apart
 * on a deep buffer, which a linear axis would press into one corner.
 */
export interface CdfSeries {
  name: string;
  color: string;
  /** Its stroke-dasharray; undefined: solid. */
  dash?: string;
  /** The samples, in the axis's unit, sorted ascending. */
  sorted: readonly number[];
}

export interface CdfChartSpec {
  title: string;
  caption: string;
  xLabel: string;
  series: CdfSeries[];
}

/**
 * Beyond this many samples a curve gets this many evenly spaced quantiles: a step of 1/300 is under
 * a pixel of the plot's height, and a run's 800 loaded probes no longer make 1600 corners.
 */
const MAX_STEPS = 300;
/** A round trip of 0 has no place on a log axis: it is drawn at the axis's floor. */
const LOG_FLOOR = 1e-3;

export function renderCdfChart(spec: CdfChartSpec, size: ChartSize = WIDE): string {
  const drawn = spec.series.filter((s) => s.sorted.length > 0);
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of drawn) {
    lo = Math.min(lo, Math.max(LOG_FLOOR, s.sorted[0]));
    hi = Math.max(hi, Math.max(LOG_FLOOR, s.sorted[s.sorted.length - 1]));
  }
  if (!Number.isFinite(lo)) [lo, hi] = [LOG_FLOOR, 1];
  const legend: LegendItem[] = drawn.map((s) => ({ name: s.name, color: s.color, dash: s.dash }));
  const frame = chartFrame({
    kind: 'cdf',
    title: spec.title,
    x: { kind: 'scale', scale: logScale(lo, hi), label: spec.xLabel },
    y: { scale: linearScale(0, 100, { zero: true }), label: 'probes at or below (%)' },
    legend,
    caption: spec.caption,
    size,
  });
  const parts = [frame.start];
  for (const s of drawn) {
    const steps = cdfSteps(s.sorted);
    const d = steps
      .map(([v, share], k) => `${k === 0 ? 'M' : 'L'}${coord(frame.x(Math.max(LOG_FLOOR, v)))} ${coord(frame.y(share))}`)
      .join('');
    parts.push(
      element('path', {
        class: 'series',
        'data-series': s.name,
        'data-samples': s.sorted.length,
        d,
        fill: 'none',
        stroke: s.color,
        'stroke-width': 2,
        'stroke-dasharray': s.dash,
        'stroke-linejoin': 'round',
      }),
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/**
 * The empirical CDF as (value, percent at or below) corners: a step up at each sample. A large
 * sample becomes MAX_STEPS quantiles, joined by straight lines, its lowest and highest kept.
 */
export function cdfSteps(sorted: readonly number[]): Array<[number, number]> {
  const n = sorted.length;
  if (n === 0) return [];
  if (n > MAX_STEPS) {
    const out: Array<[number, number]> = [[sorted[0], 0]];
    for (let q = 1; q <= MAX_STEPS; q++) {
      const rank = Math.max(1, Math.ceil((q / MAX_STEPS) * n));
      out.push([sorted[rank - 1], (100 * rank) / n]);
    }
    return out;
  }
  const out: Array<[number, number]> = [];
  let below = 0;
  for (let i = 0; i < n; i++) {
    // Equal samples make one step, not several on top of each other.
    if (i + 1 < n && sorted[i + 1] === sorted[i]) continue;
    out.push([sorted[i], below], [sorted[i], (100 * (i + 1)) / n]);
    below = (100 * (i + 1)) / n;
  }
  return out;
}

import { formatCi, formatNumber } from '../../core/figure-catalog.js';
import { type ChartSize, chartFrame, DASHES, MARKER_SHAPES, marker, PALETTE, WIDE, type XAxis } from './frame.js';
import { linearScale } from './scale.js';
import { coord, element, polyline } from './svg.js';

/**
 * A figure against a swept value (loss against offered rate, throughput
 * against streams): the mean across repeats as a marker, and its 95%
 * confidence interval as a whisker, the same interval the table beside the
 * chart gives (issue 16: whiskers once showed min-max beside a CI table).
 */
export interface SweepPoint {
  /** The swept value, or the category index when the values are not numbers. */
  x: number;
  mean: number;
  /** Half-width of the 95% confidence interval of the mean; null below two repeats (no whisker). */
  ci95: number | null;
}

export interface SweepSeries {
  name: string;
  points: SweepPoint[];
}

export interface SweepChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Set when the swept values are not numbers: points sit at their index. */
  categories?: string[];
  /** The swept values are counts (streams, bytes): whole-number ticks only. */
  xInteger?: boolean;
  series: SweepSeries[];
}

const WHISKER_CAPTION = 'mean of the repeats; whiskers: 95% confidence interval (2+ repeats)';

export function renderSweepChart(spec: SweepChartSpec, size: ChartSize = WIDE): string {
  // Loops, not spreads into Math.max: a chart must not depend on the call stack's size.
  let yMax = 0;
  let xMax = 0;
  let whiskers = false;
  for (const s of spec.series) {
    for (const p of s.points) {
      yMax = Math.max(yMax, p.mean + (p.ci95 ?? 0));
      xMax = Math.max(xMax, p.x);
      if (p.ci95 !== null && p.ci95 > 0) whiskers = true;
    }
  }
  const yScale = linearScale(0, yMax, { zero: true });
  const x: XAxis = spec.categories
    ? { kind: 'categories', categories: spec.categories, label: spec.xLabel }
    : { kind: 'scale', scale: linearScale(0, xMax, { zero: true, count: 6, integer: spec.xInteger }), label: spec.xLabel };
  const style = (i: number): { color: string; shape: (typeof MARKER_SHAPES)[number]; dash: string | undefined } => ({
    color: PALETTE[i % PALETTE.length],
    shape: MARKER_SHAPES[i % MARKER_SHAPES.length],
    dash: DASHES[i % DASHES.length],
  });
  const frame = chartFrame({
    kind: 'sweep',
    title: spec.title,
    x,
    y: { scale: yScale, label: spec.yLabel },
    legend: spec.series.map((s, i) => ({ name: s.name, color: style(i).color, marker: style(i).shape, dash: style(i).dash })),
    caption: whiskers ? WHISKER_CAPTION : 'mean of the repeats',
    size,
  });
  const parts = [frame.start];
  spec.series.forEach((s, i) => {
    const { color, shape, dash } = style(i);
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    parts.push(
      element('path', {
        class: 'series',
        d: polyline(sorted.map((p) => [frame.x(p.x), frame.y(p.mean)])),
        fill: 'none',
        stroke: color,
        'stroke-width': 2,
        'stroke-dasharray': dash,
      }),
    );
    for (const p of sorted) {
      const px = frame.x(p.x);
      if (p.ci95 !== null && p.ci95 > 0) {
        // An interval reaching below the axis (loss near 0) stops at the axis.
        const [top, bottom] = [frame.y(p.mean + p.ci95), frame.y(Math.max(yScale.min, p.mean - p.ci95))];
        parts.push(
          element('path', {
            class: 'whisker',
            d: `M${coord(px)} ${coord(top)}V${coord(bottom)}M${coord(px - 4)} ${coord(top)}h8M${coord(px - 4)} ${coord(bottom)}h8`,
            stroke: color,
            'stroke-width': 1.5,
            fill: 'none',
          }),
        );
      }
      const tip = p.ci95 === null ? formatNumber(p.mean) : `${formatNumber(p.mean)} ${formatCi(p.ci95)}`;
      parts.push(marker(shape, px, frame.y(p.mean), color, { class: 'point' }, `<title>${tip}</title>`));
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

import { formatNumber } from '../format.js';
import { chartFrame, PALETTE, type XAxis } from './frame.js';
import { linearScale, maxOf } from './scale.js';
import { coord, element, polyline } from './svg.js';

/**
 * A figure against a swept value (loss against offered rate, throughput
 * against streams): the mean across repeats as a marker, the range from the
 * lowest to the highest repeat as a whisker.
 */
export interface SweepPoint {
  /** The swept value, or the category index when the values are not numbers. */
  x: number;
  mean: number;
  min: number;
  max: number;
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
  series: SweepSeries[];
}

export function renderSweepChart(spec: SweepChartSpec): string {
  const all = spec.series.flatMap((s) => s.points);
  const yScale = linearScale(0, maxOf(all.map((p) => p.max)), { zero: true });
  const x: XAxis = spec.categories
    ? { kind: 'categories', categories: spec.categories, label: spec.xLabel }
    : { kind: 'scale', scale: linearScale(0, maxOf(all.map((p) => p.x)), { zero: true, count: 6 }), label: spec.xLabel };
  const frame = chartFrame({
    kind: 'sweep',
    title: spec.title,
    x,
    y: { scale: yScale, label: spec.yLabel },
    legend: spec.series.map((s, i) => ({ name: s.name, color: PALETTE[i % PALETTE.length] })),
  });
  const parts = [frame.start];
  spec.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    parts.push(element('path', { class: 'series', d: polyline(sorted.map((p) => [frame.x(p.x), frame.y(p.mean)])), fill: 'none', stroke: color, 'stroke-width': 2 }));
    for (const p of sorted) {
      const px = frame.x(p.x);
      if (p.max > p.min) {
        const [top, bottom] = [frame.y(p.max), frame.y(p.min)];
        parts.push(element('path', { class: 'whisker', d: `M${coord(px)} ${coord(top)}V${coord(bottom)}M${coord(px - 4)} ${coord(top)}h8M${coord(px - 4)} ${coord(bottom)}h8`, stroke: color, 'stroke-width': 1.5, fill: 'none' }));
      }
      parts.push(
        element('circle', { class: 'point', cx: px, cy: frame.y(p.mean), r: 4, fill: color }, `<title>${formatNumber(p.mean)}</title>`),
      );
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

import { type ChartSize, chartFrame, type LegendItem, PALETTE, WIDE } from './frame.js';
import { linearScale, maxOf, minOf } from './scale.js';
import { element, polyline, textElement } from './svg.js';

/** A figure over time: one line per series, such as the total and each stream. */
export interface LineSeries {
  name: string;
  points: Array<{ x: number; y: number }>;
  color?: string;
  /** The total is drawn thicker than the streams that add up to it. */
  emphasis?: boolean;
  dashed?: boolean;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  /** Spans of x to shade and name, such as the intervals left out by --omit. */
  shaded?: Array<{ from: number; to: number; label: string }>;
  xMin?: number;
  xMax?: number;
}

/** Beyond this many points a line has several per pixel column: only what can be seen is drawn. */
const MAX_DRAWN_POINTS = 2000;

/**
 * A long run's points thinned to what a pixel can show: in each column of one
 * pixel, the first, the lowest, the highest and the last point, in order, so
 * every spike and dip stays visible. 300,000 intervals made a 4 MB path.
 */
function visiblePoints(points: Array<[number, number]>): Array<[number, number]> {
  if (points.length <= MAX_DRAWN_POINTS) return points;
  const out: Array<[number, number]> = [];
  let i = 0;
  while (i < points.length) {
    const column = Math.floor(points[i][0]);
    let j = i;
    let low = i;
    let high = i;
    while (j + 1 < points.length && Math.floor(points[j + 1][0]) === column) {
      j++;
      if (points[j][1] < points[low][1]) low = j;
      if (points[j][1] > points[high][1]) high = j;
    }
    for (const k of [...new Set([i, Math.min(low, high), Math.max(low, high), j])]) out.push(points[k]);
    i = j + 1;
  }
  return out;
}

/** Markers on every point up to this many; beyond it they would hide the line. */
const MAX_MARKED_POINTS = 60;

export function renderLineChart(spec: LineChartSpec, size: ChartSize = WIDE): string {
  const all = spec.series.flatMap((s) => s.points);
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const xScale = linearScale(spec.xMin ?? minOf(xs), spec.xMax ?? maxOf(xs), { count: 6 });
  const yScale = linearScale(0, maxOf(ys), { zero: true });
  const colored = spec.series.map((s, i) => ({ ...s, color: s.color ?? PALETTE[i % PALETTE.length] }));
  const legend: LegendItem[] = colored.map((s) => ({ name: s.name, color: s.color, dashed: s.dashed }));
  const frame = chartFrame({
    kind: 'line',
    title: spec.title,
    x: { kind: 'scale', scale: xScale, label: spec.xLabel },
    y: { scale: yScale, label: spec.yLabel },
    legend,
    size,
  });

  const parts = [frame.start];
  for (const shade of spec.shaded ?? []) {
    const x1 = frame.x(shade.from);
    const x2 = frame.x(shade.to);
    parts.push(
      element('rect', { x: x1, y: frame.top, width: x2 - x1, height: frame.bottom - frame.top, fill: '#6b7280', 'fill-opacity': 0.12 }),
    );
    // About 6 px per character: a band too narrow for its label gets it upright.
    if (x2 - x1 >= shade.label.length * 6 + 6) {
      parts.push(
        textElement(shade.label, { x: (x1 + x2) / 2, y: frame.top + 12, 'text-anchor': 'middle', 'font-size': 11, fill: '#4b5563' }),
      );
    } else {
      const lx = (x1 + x2) / 2 + 4;
      const ly = frame.top + 6;
      parts.push(
        textElement(shade.label, {
          x: lx,
          y: ly,
          'text-anchor': 'end',
          'font-size': 11,
          fill: '#4b5563',
          transform: `rotate(-90 ${lx} ${ly})`,
        }),
      );
    }
  }
  for (const s of colored) {
    const points = visiblePoints(s.points.map((p): [number, number] => [frame.x(p.x), frame.y(p.y)]));
    parts.push(
      element('path', {
        class: 'series',
        d: polyline(points),
        fill: 'none',
        stroke: s.color,
        'stroke-width': s.emphasis ? 2.5 : 1.5,
        'stroke-linejoin': 'round',
        'stroke-dasharray': s.dashed ? '5 3' : undefined,
      }),
    );
    if (points.length <= MAX_MARKED_POINTS) {
      for (const [px, py] of points)
        parts.push(element('circle', { class: 'point', cx: px, cy: py, r: s.emphasis ? 3 : 2.2, fill: s.color }));
    }
  }
  parts.push('</svg>');
  return parts.join('');
}

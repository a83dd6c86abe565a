import type { LatencySummary } from '../../core/run-object.js';
import { formatNumber } from '../../core/figure-catalog.js';
import { type ChartSize, chartFrame, PALETTE, WIDE } from './frame.js';
import { linearScale, logScale, maxOf, minOf } from './scale.js';
import { element, polyline, textElement } from './svg.js';

/**
 * A latency distribution drawn from its percentile summary. Run objects keep
 * no histogram buckets, only min, p50, p90, p99, p99.9, max (and mean), so the
 * chart places those as markers on evenly spaced percentile positions, which is
 * a log scale of the nines from p50 on, as HdrHistogram's percentile plots are.
 */
export interface PercentileSeries {
  name: string;
  latency: LatencySummary;
}

export interface PercentileChartSpec {
  title: string;
  unit: string;
  series: PercentileSeries[];
}

const PERCENTILE_POINTS: Array<{ key: keyof LatencySummary; label: string }> = [
  { key: 'min', label: 'min' },
  { key: 'p50', label: 'p50' },
  { key: 'p90', label: 'p90' },
  { key: 'p99', label: 'p99' },
  { key: 'p999', label: 'p99.9' },
  { key: 'max', label: 'max' },
];

/** Beyond this ratio of max to min a linear axis would flatten everything below the tail. */
const LOG_RATIO = 20;

export function renderPercentileChart(spec: PercentileChartSpec, size: ChartSize = WIDE): string {
  const values = spec.series.flatMap((s) => PERCENTILE_POINTS.map((p) => s.latency[p.key]));
  const lo = minOf(values);
  const hi = maxOf(values);
  const useLog = lo > 0 && hi / lo >= LOG_RATIO;
  const yScale = useLog ? logScale(lo, hi) : linearScale(0, hi, { zero: true });
  const frame = chartFrame({
    kind: 'percentile',
    title: spec.title,
    x: { kind: 'categories', categories: PERCENTILE_POINTS.map((p) => p.label), label: 'percentile' },
    y: { scale: yScale, label: `latency (${spec.unit}${useLog ? ', log scale' : ''})` },
    legend: spec.series.map((s, i) => ({ name: s.name, color: PALETTE[i % PALETTE.length] })),
    size,
  });
  const parts = [frame.start];
  const labelled = spec.series.length === 1;
  spec.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const meanY = frame.y(s.latency.mean);
    parts.push(
      element('line', {
        x1: frame.left,
        y1: meanY,
        x2: frame.right,
        y2: meanY,
        stroke: color,
        'stroke-dasharray': '4 3',
        'stroke-opacity': 0.7,
      }),
    );
    if (labelled) {
      parts.push(
        textElement(`mean ${formatNumber(s.latency.mean)} ${spec.unit}`, {
          x: frame.right - 4,
          y: meanY - 4,
          'text-anchor': 'end',
          'font-size': 11,
          fill: '#4b5563',
        }),
      );
    }
    const points = PERCENTILE_POINTS.map((p, j): [number, number] => [frame.x(j), frame.y(s.latency[p.key])]);
    parts.push(
      element('path', { class: 'series', d: polyline(points), fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round' }),
    );
    PERCENTILE_POINTS.forEach((p, j) => {
      const [px, py] = points[j];
      parts.push(element('circle', { class: 'point', cx: px, cy: py, r: 4, fill: '#ffffff', stroke: color, 'stroke-width': 2 }));
      if (labelled) {
        parts.push(
          textElement(formatNumber(s.latency[p.key]), { x: px, y: py - 9, 'text-anchor': 'middle', 'font-size': 11, 'font-weight': 600 }),
        );
      }
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

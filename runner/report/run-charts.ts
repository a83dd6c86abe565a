import { isRrFigures, type Figures, type IntervalRecord, type RunObject } from '../core/run-object.js';
import { isStreamTest, isUdpTest } from '../core/test-params.js';
import { makeChart, padIndex } from './chart-files.js';
import { TOTAL_COLOR } from './charts/frame.js';
import { renderLineChart, type LineSeries } from './charts/line-chart.js';
import { renderPercentileChart } from './charts/percentile-chart.js';
import { maxOf, minOf } from './charts/scale.js';
import type { ChartView } from './report-model.js';

/**
 * The charts of one run: throughput over time (each stream too, when there
 * are several) for STREAM tests, the latency distribution and latency over
 * time for RR tests, and loss over time for UDP.
 */
export function runCharts(run: RunObject, index: number, name: string): ChartView[] {
  if (run.status !== 'ok') return [];
  const prefix = `run-${padIndex(index)}`;
  const charts: ChartView[] = [];
  const intervals = run.intervals;
  const xMax = intervals.length > 0 ? intervals[intervals.length - 1].end_s : run.params.duration_s;
  const shaded = omittedSpan(intervals);

  if (isStreamTest(run.test) && intervals.length > 0) {
    const series: LineSeries[] = [];
    const streamCount = maxOf(intervals.map((r) => r.streams?.length ?? 0), 0);
    series.push({ name: streamCount > 1 ? 'total' : 'throughput', points: points(intervals, (f) => num(f, 'throughput_mbps')), color: TOTAL_COLOR, emphasis: true });
    if (streamCount > 1) {
      for (let s = 0; s < streamCount; s++) {
        series.push({
          name: `stream ${s + 1}`,
          points: intervals.flatMap((r) => {
            const f = r.streams?.[s];
            const y = f ? num(f, 'throughput_mbps') : undefined;
            return y === undefined ? [] : [{ x: (r.start_s + r.end_s) / 2, y }];
          }),
        });
      }
    }
    const drawn = series.filter((s) => s.points.length > 0);
    if (drawn.length > 0) {
      const title = `${name}: throughput over time`;
      charts.push(makeChart(`${prefix}-throughput`, 'line', title, renderLineChart({
        title, xLabel: 'time (s)', yLabel: 'throughput (Mbit/s)', series: drawn, shaded, xMin: 0, xMax,
      })));
    }
  }

  if (run.summary && isRrFigures(run.summary)) {
    const title = `${name}: latency distribution`;
    charts.push(makeChart(`${prefix}-latency`, 'percentile', title, renderPercentileChart({
      title, unit: 'µs', series: [{ name: 'latency', latency: run.summary.latency_us }],
    })));
    const overTime: LineSeries[] = (['p50', 'p90', 'p99'] as const).map((p) => ({
      name: p,
      points: intervals.flatMap((r) => (isRrFigures(r.figures) ? [{ x: (r.start_s + r.end_s) / 2, y: r.figures.latency_us[p] }] : [])),
    }));
    if (overTime[0].points.length > 0) {
      const t = `${name}: latency over time`;
      charts.push(makeChart(`${prefix}-latency-time`, 'line', t, renderLineChart({
        title: t, xLabel: 'time (s)', yLabel: 'latency (µs)', series: overTime, shaded, xMin: 0, xMax,
      })));
    }
  }

  if (isUdpTest(run.test)) {
    const loss = points(intervals, (f) => num(f, 'loss_percent'));
    if (loss.length > 0) {
      const title = `${name}: loss over time`;
      charts.push(makeChart(`${prefix}-loss`, 'line', title, renderLineChart({
        title, xLabel: 'time (s)', yLabel: 'loss (%)', series: [{ name: 'loss', points: loss, color: '#D55E00', emphasis: true }], shaded, xMin: 0, xMax,
      })));
    }
  }
  return charts;
}

function num(f: Figures, key: string): number | undefined {
  const v = (f as unknown as Record<string, unknown>)[key];
  return typeof v === 'number' ? v : undefined;
}

/** One point per interval, at its middle: the figure is that interval's average. */
function points(intervals: IntervalRecord[], pick: (f: Figures) => number | undefined): Array<{ x: number; y: number }> {
  return intervals.flatMap((r) => {
    const y = pick(r.figures);
    return y === undefined ? [] : [{ x: (r.start_s + r.end_s) / 2, y }];
  });
}

/** The leading intervals --omit left out, shaded as one span. */
function omittedSpan(intervals: IntervalRecord[]): Array<{ from: number; to: number; label: string }> {
  const omitted = intervals.filter((r) => r.omitted);
  if (omitted.length === 0) return [];
  return [{ from: minOf(omitted.map((r) => r.start_s)), to: maxOf(omitted.map((r) => r.end_s)), label: 'omitted' }];
}

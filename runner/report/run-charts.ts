import { isRrFigures, type Figures, type IntervalRecord, type RunObject } from '../core/run-object.js';
import { isStreamTest, isUdpTest } from '../core/test-params.js';
import { PALETTE, TOTAL_COLOR } from './charts/frame.js';
import { renderLineChart, type LineSeries } from './charts/line-chart.js';
import { renderPercentileChart } from './charts/percentile-chart.js';
import { makeChart, type ChartView } from './report-model.js';
import { isRrulRun, rrulCharts } from './rrul.js';

/**
 * The charts of one expanded run, its repeats overlaid (issue 16: 18 runs made 36 charts and a
 * 15,700 px page): throughput over time (each stream too, when one repeat has several) for STREAM
 * tests, the latency distribution and latency over time for RR tests, and loss over time for UDP.
 * One line per repeat, on one time axis that covers the longest repeat. Failed repeats draw nothing.
 */
export function runCharts(group: RunObject[], prefix: string, name: string): ChartView[] {
  const runs = group.filter((r) => r.status === 'ok');
  if (runs.length === 0) return [];
  // Issue 13: an RRUL run is its throughput and every probe's round trip on one time axis, and its idle and loaded distributions.
  if (isRrulRun(runs[0])) return rrulCharts(runs, prefix, name);
  const charts: ChartView[] = [];
  const several = runs.length > 1;
  const repeatName = (run: RunObject, i: number): string => `repeat ${(run.repeat_index ?? i) + 1}`;
  const color = (i: number): string => PALETTE[i % PALETTE.length];
  let xMax = 0;
  for (const run of runs) {
    const last = run.intervals.length > 0 ? run.intervals[run.intervals.length - 1].end_s : run.params.duration_s;
    xMax = Math.max(xMax, last);
  }
  const shaded = omittedSpan(runs);

  if (isStreamTest(runs[0].test)) {
    const series: LineSeries[] = [];
    if (several) {
      runs.forEach((run, i) => {
        series.push({ name: repeatName(run, i), points: points(run.intervals, (f) => num(f, 'throughput_mbps')), color: color(i) });
      });
    } else {
      const intervals = runs[0].intervals;
      let streamCount = 0;
      for (const r of intervals) streamCount = Math.max(streamCount, r.streams?.length ?? 0);
      series.push({
        name: streamCount > 1 ? 'total' : 'throughput',
        points: points(intervals, (f) => num(f, 'throughput_mbps')),
        color: TOTAL_COLOR,
        emphasis: true,
      });
      for (let s = 0; streamCount > 1 && s < streamCount; s++) {
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
      charts.push(
        makeChart(`${prefix}-throughput`, 'line', title, (size) =>
          renderLineChart(
            {
              title,
              xLabel: 'time (s)',
              yLabel: 'throughput (Mbit/s)',
              series: drawn,
              shaded,
              xMin: 0,
              xMax,
            },
            size,
          ),
        ),
      );
    }
  }

  const rr = runs.flatMap((run, i) => (run.summary && isRrFigures(run.summary) ? [{ run, i, latency: run.summary.latency_us }] : []));
  if (rr.length > 0) {
    const title = `${name}: latency distribution`;
    charts.push(
      makeChart(`${prefix}-latency`, 'percentile', title, (size) =>
        renderPercentileChart(
          {
            title,
            unit: 'µs',
            series: rr.map(({ run, i, latency }) => ({ name: several ? repeatName(run, i) : 'latency', latency })),
          },
          size,
        ),
      ),
    );
    // p50, p90 and p99 of one repeat; with several, the p99 of each (nine lines would hide each other).
    const overTime: LineSeries[] = several
      ? runs.map((run, i) => ({ name: `${repeatName(run, i)} p99`, color: color(i), points: latencyPoints(run.intervals, 'p99') }))
      : (['p50', 'p90', 'p99'] as const).map((p) => ({ name: p, points: latencyPoints(runs[0].intervals, p) }));
    const drawn = overTime.filter((s) => s.points.length > 0);
    if (drawn.length > 0) {
      const t = `${name}: latency over time`;
      charts.push(
        makeChart(`${prefix}-latency-time`, 'line', t, (size) =>
          renderLineChart(
            {
              title: t,
              xLabel: 'time (s)',
              yLabel: several ? 'latency p99 (µs)' : 'latency (µs)',
              series: drawn,
              shaded,
              xMin: 0,
              xMax,
            },
            size,
          ),
        ),
      );
    }
  }

  if (isUdpTest(runs[0].test)) {
    const loss: LineSeries[] = runs
      .map((run, i) => ({
        name: several ? repeatName(run, i) : 'loss',
        points: points(run.intervals, (f) => num(f, 'loss_percent')),
        color: several ? color(i) : '#D55E00',
        emphasis: !several,
      }))
      .filter((s) => s.points.length > 0);
    if (loss.length > 0) {
      const title = `${name}: loss over time`;
      charts.push(
        makeChart(`${prefix}-loss`, 'line', title, (size) =>
          renderLineChart(
            {
              title,
              xLabel: 'time (s)',
              yLabel: 'loss (%)',
              series: loss,
              shaded,
              xMin: 0,
              xMax,
            },
            size,
          ),
        ),
      );
    }
  }
  return charts;
}

function latencyPoints(intervals: IntervalRecord[], p: 'p50' | 'p90' | 'p99'): Array<{ x: number; y: number }> {
  return intervals.flatMap((r) => (isRrFigures(r.figures) ? [{ x: (r.start_s + r.end_s) / 2, y: r.figures.latency_us[p] }] : []));
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

/** The leading intervals --omit left out (the same option for every repeat), shaded as one span. */
function omittedSpan(runs: RunObject[]): Array<{ from: number; to: number; label: string }> {
  let from = Infinity;
  let to = -Infinity;
  for (const run of runs) {
    for (const r of run.intervals) {
      if (!r.omitted) continue;
      from = Math.min(from, r.start_s);
      to = Math.max(to, r.end_s);
    }
  }
  return from <= to ? [{ from, to, label: 'omitted' }] : [];
}

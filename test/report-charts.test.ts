import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderLineChart } from '../runner/report/charts/line-chart.js';
import { renderPercentileChart } from '../runner/report/charts/percentile-chart.js';
import { linearScale, logScale } from '../runner/report/charts/scale.js';
import { renderSweepChart } from '../runner/report/charts/sweep-chart.js';
import { escapeXml } from '../runner/report/charts/svg.js';
import { formatNumber } from '../runner/core/figure-catalog.js';
import { escapeMarkdownCell, markdownFence } from '../runner/report/markdown-escape.js';

test('axes get nice tick values that cover the data', () => {
  const throughput = linearScale(0, 14699.7, { zero: true });
  assert.deepEqual(throughput.ticks, [0, 5000, 10000, 15000]);
  assert.deepEqual(throughput.ticks.map(throughput.format), ['0', '5000', '10k', '15k']);
  assert.deepEqual(linearScale(0, 3.513, { zero: true }).ticks, [0, 1, 2, 3, 4]);
  const loss = linearScale(0, 0.011, { zero: true });
  assert.deepEqual(loss.ticks.map(loss.format), ['0.000', '0.002', '0.004', '0.006', '0.008', '0.010', '0.012']);
  // Just past a tick, the step stays small rather than doubling.
  assert.deepEqual(linearScale(0, 1.024, { count: 6 }).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1, 1.2]);
  assert.deepEqual(linearScale(0, 10, { count: 6 }).ticks, [0, 2, 4, 6, 8, 10]);
  // A flat series at zero still gets an axis.
  assert.deepEqual(linearScale(0, 0, { zero: true }).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  const latency = logScale(19.9, 2137.4);
  assert.deepEqual(latency.ticks, [10, 20, 50, 100, 200, 500, 1000, 2000, 5000]);
  assert.equal(latency.fraction(10), 0);
  assert.equal(latency.fraction(5000), 1);
  assert.deepEqual(logScale(21.68, 76153).ticks, [20, 100, 1000, 10000, 100000]);
});

test('figures are shown with four significant digits, never fewer than the whole number', () => {
  assert.deepEqual([14234.133, 966.15, 94.767, 3.385, 0.018, 0.0123456, 100, 0, 2137.4, -20.04].map(formatNumber), [
    '14234',
    '966.1',
    '94.77',
    '3.385',
    '0.018',
    '0.01235',
    '100',
    '0',
    '2137',
    '-20.04',
  ]);
});

test('chart text from a scenario is escaped, in titles, legends and labels', () => {
  const hostile = '<script>alert("x")</script> & co';
  const svg = renderLineChart({
    title: hostile,
    xLabel: 'time (s)',
    yLabel: 'throughput (Mbit/s)',
    series: [
      {
        name: hostile,
        points: [
          { x: 0.5, y: 1 },
          { x: 1.5, y: 2 },
        ],
      },
      {
        name: 'b',
        points: [
          { x: 0.5, y: 2 },
          { x: 1.5, y: 1 },
        ],
      },
    ],
  });
  assert.doesNotMatch(svg, /<script/);
  assert.match(svg, /aria-label="&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; co"/);
  assert.match(svg, /<title>&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; co<\/title>/);
  assert.equal(escapeXml(`a<b>"c"&'d'`), 'a&lt;b&gt;&quot;c&quot;&amp;&#39;d&#39;');
});

test('a line chart places each interval on the axes it labels', () => {
  const svg = renderLineChart({
    title: 't',
    xLabel: 'time (s)',
    yLabel: 'throughput (Mbit/s)',
    series: [
      {
        name: 'throughput',
        points: [
          { x: 0, y: 0 },
          { x: 10, y: 15000 },
        ],
      },
    ],
    xMin: 0,
    xMax: 10,
  });
  // Plot area: x from 60 to 464, y from 234 (bottom) to 36 (top); the data spans the whole of it.
  assert.match(svg, /<path class="series" d="M60 234L464 36"/);
  assert.match(svg, /viewBox="0 0 480 280"/);
});

test('the percentile chart marks each percentile of the summary and the mean', () => {
  const svg = renderPercentileChart({
    title: 'rr',
    unit: 'µs',
    series: [{ name: 'latency', latency: { min: 20, mean: 42, stddev: 16, p50: 38, p90: 52, p99: 95, p999: 380, max: 2100 } }],
  });
  assert.equal((svg.match(/class="point"/g) ?? []).length, 6);
  for (const v of ['20', '38', '52', '95', '380', '2100']) assert.match(svg, new RegExp(`font-weight="600">${v}</text>`));
  assert.match(svg, />mean 42 µs</);
  assert.match(svg, />latency \(µs, log scale\)</);
  const narrow = renderPercentileChart({
    title: 'rr',
    unit: 'µs',
    series: [{ name: 'latency', latency: { min: 20, mean: 25, stddev: 2, p50: 24, p90: 28, p99: 31, p999: 35, max: 40 } }],
  });
  assert.match(narrow, />latency \(µs\)</);
});

test('a sweep chart draws whiskers only where there is an interval, and categories when values are words', () => {
  const svg = renderSweepChart({
    title: 's',
    xLabel: 'congestion control',
    yLabel: 'throughput (Mbit/s)',
    categories: ['cubic', 'bbr'],
    series: [
      {
        name: 's',
        points: [
          { x: 0, mean: 9000, ci95: 150 },
          { x: 1, mean: 9400, ci95: null },
        ],
      },
    ],
  });
  assert.equal((svg.match(/class="whisker"/g) ?? []).length, 1);
  assert.match(svg, />cubic<\/text>/);
  assert.match(svg, />bbr<\/text>/);
});

test('Markdown cells escape what would break a table or become HTML; fences outgrow the text', () => {
  assert.equal(escapeMarkdownCell('a|b `c` <d> *e* [f]\nnext'), 'a\\|b \\`c\\` &lt;d&gt; \\*e\\* \\[f\\] next');
  assert.equal(markdownFence('x\n```\ny\n', 'yaml'), '````yaml\nx\n```\ny\n````');
});

function titleOf(svg: string): string[] {
  return Array.from(svg.matchAll(/<text class="chart-title"[^>]*>([^<]*)<\/text>/g), (m) => m[1]);
}

// Issue 16: "...: throughput over tim", a title cut mid-word at a fixed number of characters.
test('a chart title too long for one line wraps at a space onto two, never cut mid-word', () => {
  const chart = (title: string): string =>
    renderLineChart({
      title,
      xLabel: 'time (s)',
      yLabel: 'y',
      series: [
        {
          name: 'a',
          points: [
            { x: 0, y: 1 },
            { x: 1, y: 2 },
          ],
        },
      ],
    });
  const long = 'udp-rate rate=1G size=1472 streams=4 #2: throughput over time';
  assert.deepEqual(titleOf(chart(long)), ['udp-rate rate=1G size=1472 streams=4 #2:', 'throughput over time']);
  // Too long for two lines: the run's label is shortened at a word, what the chart shows stays whole.
  const longer = `${'lab link from the first rack to the second rack across the spine '.repeat(2)}#1: latency over time`;
  const lines = titleOf(chart(longer));
  assert.equal(lines.length, 2);
  assert.ok(lines.join(' ').startsWith('lab link from the first rack'), lines.join(' '));
  assert.ok(lines.join(' ').endsWith('…: latency over time'), lines.join(' '));
  for (const line of lines) assert.ok(Array.from(line).length <= 48, line);
  const words = (text: string): string[] => text.replace(/[…:]/g, '').split(' ');
  for (const word of words(lines.join(' '))) assert.ok(words(longer).includes(word), `'${word}' is a whole word of the title`);
  // The full title stays in the accessible name.
  assert.match(chart(longer), new RegExp(`aria-label="${longer}"`));
  // A short title is one line, as before.
  assert.deepEqual(titleOf(chart('tcp-single: throughput over time')), ['tcp-single: throughput over time']);
});

// Issue 16: a streams axis had ticks at 0.5 and 1.5.
test('an axis of counts (streams, sizes) gets whole-number ticks only', () => {
  const counts = { zero: true, count: 6, integer: true };
  assert.deepEqual(linearScale(1, 2, counts).ticks, [0, 1, 2]);
  assert.deepEqual(linearScale(1, 3, counts).ticks, [0, 1, 2, 3]);
  assert.deepEqual(linearScale(0, 8, counts).ticks, [0, 2, 4, 6, 8]);
  // Rates are not counts: 0.5 Mbit/s is a fine tick.
  assert.deepEqual(linearScale(1, 2, { zero: true, count: 6 }).ticks, [0, 0.5, 1, 1.5, 2]);
});

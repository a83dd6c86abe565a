import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderReport } from '../runner/report/render-report.js';
import { readFixture } from './fixtures/results/load-fixture.js';

/** The cells of every row of the first table after `marker`, as text. */
function tableAfter(html: string, marker: string): string[][] {
  const at = html.indexOf(marker);
  assert.notEqual(at, -1, `marker ${marker} not found`);
  const start = html.indexOf('<table', at);
  const table = html.slice(start, html.indexOf('</table>', start));
  return table
    .split(/<tr[\s>]/)
    .slice(1)
    .map((row) => Array.from(row.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g), (m) => textOf(m[1])));
}

function textOf(html: string): string {
  return decode(html.replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

function decode(html: string): string {
  return html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x60;/g, '`')
    .replace(/&#x3D;/g, '=')
    .replace(/&amp;/g, '&');
}

function count(haystack: string, needle: string | RegExp): number {
  return typeof needle === 'string' ? haystack.split(needle).length - 1 : (haystack.match(needle) ?? []).length;
}

/** The charts under a group's heading in the Summary, as drawn for a wide screen (each has a narrow twin, class chart-narrow). */
function groupCharts(html: string, groupAnchor: string): string[] {
  const start = html.indexOf(`<h3 id="${groupAnchor}">`);
  const next = html.indexOf('<h3 id="group-', start + 1);
  const section = html.slice(start, next === -1 ? html.indexOf('</section>', start) : next);
  return Array.from(section.matchAll(/<svg [^>]*class="chart"[\s\S]*?<\/svg>/g), (m) => m[0]);
}

test('the HTML report shows the title from report.title, the date, the host and the versions', async () => {
  const { main, files } = await renderReport(await readFixture('lab-baseline.json'), 'html');
  assert.deepEqual(files, {});
  assert.match(main, /<title>Lab link A to B: 25 GbE baseline<\/title>/);
  assert.match(main, /<h1>Lab link A to B: 25 GbE baseline<\/h1>/);
  const facts = textOf(main.slice(main.indexOf('<dl class="facts">'), main.indexOf('</dl>')));
  assert.equal(
    facts,
    'Date 2026-11-24 14:03:12 UTC to 2026-11-24 14:05:32 UTC (2m 21s) ' +
      'Scenario lab-baseline (scenarios/lab-baseline.yaml) ' +
      'Host lab-a: linux 6.1.0-27-amd64, 16 × AMD EPYC 7313P 16-Core Processor ' +
      'Versions bench 0.1.0, Node.js v20.18.1 ' +
      'Peers lab-b (10.20.0.2:7575) ' +
      'Runs 18 runs in 10 groups: 17 ok, 1 failed',
  );
  assert.match(main, /<strong>Note:<\/strong> after the NIC firmware update to 22\.41\.1000/);
});

test('the verdict lists every expectation, met and not met, with the observed mean', async () => {
  const { main } = await renderReport(await readFixture('lab-baseline.json'), 'html');
  assert.match(main, /<section id="verdict" class="verdict fail">/);
  assert.match(main, /<p class="verdict-headline">✗ 2 of 4 expectations not met<\/p>/);
  assert.deepEqual(tableAfter(main, 'id="verdict"'), [
    ['Result', 'Run', 'Figure', 'Condition', 'Observed (mean)'],
    ['✓ met', 'tcp-single', 'Throughput throughput_mbps', '>= 9000 Mbit/s', '14234 Mbit/s'],
    ['✗ not met', 'udp-rate rate=1G', 'Loss loss_percent', '<= 1 %', '3.385 %'],
    ['✓ met', 'tcp-rr', 'Latency p99 latency_us.p99', '<= 200 µs', '94.77 µs'],
    ['✗ not met', 'udp-jumbo', 'Throughput throughput_mbps', '>= 1500 Mbit/s', 'no result'],
  ]);
});

test('a summary table per group gives mean, 95% CI, min and max across repeats', async () => {
  const { main } = await renderReport(await readFixture('lab-baseline.json'), 'html');
  const overview = tableAfter(main, 'id="summary"');
  assert.equal(overview.length, 11);
  assert.deepEqual(overview[1], ['tcp-single', 'TCP_STREAM', 'lab-b', '10s, omit 1s, 64KiB writes', '3 / 3', 'Throughput 14234 Mbit/s']);
  assert.deepEqual(overview[10], ['udp-jumbo', 'UDP_STREAM', 'lab-b', '10s, 9000B datagrams, rate 2Gbit/s', '0 / 1', 'no result']);
  const header = ['Figure', 'Unit', 'n', 'Mean', '95% CI', 'Min', 'Max', 'Better'];
  assert.deepEqual(tableAfter(main, '<h3 id="group-01">'), [
    header,
    ['Throughput', 'Mbit/s', '3', '14234', '± 1108', '13811', '14700', 'higher'],
    ['Sender throughput', 'Mbit/s', '3', '14265', '± 1129', '13834', '14740', 'higher'],
  ]);
  // Issue 16: one repeat has no interval, and Mean, Min and Max would be one number three times: one Value column.
  assert.deepEqual(tableAfter(main, '<h3 id="group-04">'), [
    ['Figure', 'Unit', 'Value', 'Better'],
    ['Throughput', 'Mbit/s', '15566', 'higher'],
    ['Sender throughput', 'Mbit/s', '15600', 'higher'],
  ]);
  assert.deepEqual(tableAfter(main, '<h3 id="group-07">'), [
    header,
    ['Throughput', 'Mbit/s', '2', '966.1', '± 15.88', '964.9', '967.4', 'higher'],
    ['Sender throughput', 'Mbit/s', '2', '1000', '± 0', '1000', '1000', 'higher'],
    ['Loss', '%', '2', '3.385', '± 1.633', '3.256', '3.513', 'lower'],
    ['Jitter', 'ms', '2', '0.222', '± 0.159', '0.21', '0.235', 'lower'],
    ['Packets lost', 'packets', '2', '14370', '± 6937', '13824', '14916', 'lower'],
    ['Out of order', 'packets', '2', '359.5', '± 171.5', '346', '373', 'lower'],
    ['Duplicates', 'packets', '2', '0', '± 0', '0', '0', 'lower'],
  ]);
  const rr = tableAfter(main, '<h3 id="group-08">');
  assert.deepEqual(
    rr.map((r) => r[0]),
    [
      'Figure',
      'Transactions',
      'Latency min',
      'Latency mean',
      'Latency stddev',
      'Latency p50',
      'Latency p90',
      'Latency p99',
      'Latency p99.9',
      'Latency max',
    ],
  );
  assert.deepEqual(rr[7], ['Latency p99', 'µs', '3', '94.77', '± 4.024', '92.9', '95.8', 'lower']);
  assert.match(main, /<h3 id="group-10">udp-jumbo<\/h3>[\s\S]*?<p class="error">No repeat produced a result\.<\/p>/);
});

test('each sweep has its figure against the swept value, as a chart and a table', async () => {
  const { main } = await renderReport(await readFixture('lab-baseline.json'), 'html');
  assert.match(main, /<h3>tcp-streams: TCP_STREAM against streams<\/h3>/);
  assert.match(main, /<h3>udp-rate: UDP_STREAM against offered rate<\/h3>/);
  assert.deepEqual(tableAfter(main, 'id="sweep-01"'), [
    ['streams', 'Throughput (Mbit/s)', 'repeats'],
    ['1', '13864', '1'],
    ['2', '14878', '1'],
    ['4', '15566', '1'],
  ]);
  assert.deepEqual(tableAfter(main, 'id="sweep-02"'), [
    // The rate the sender reached beside the rate asked (issue 16).
    ['rate', 'Sender throughput (Mbit/s)', 'Throughput (Mbit/s)', 'Loss (%)', 'Jitter (ms)', 'repeats'],
    ['100M', '100 ± 0', '100 ± 0', '0 ± 0', '0.012 ± 0', '2'],
    ['500M', '500 ± 0', '499.9 ± 0', '0.018 ± 0.006', '0.034 ± 0.006', '2'],
    ['1G', '1000 ± 0', '966.1 ± 15.88', '3.385 ± 1.633', '0.222 ± 0.159', '2'],
  ]);
  const sweep = main.slice(main.indexOf('id="sweep-02"'), main.indexOf('id="runs"'));
  const loss = /<svg[^>]*aria-label="udp-rate: loss against offered rate"[\s\S]*?<\/svg>/.exec(sweep)?.[0] ?? '';
  assert.match(loss, />offered rate \(Mbit\/s\)</);
  assert.match(loss, />loss \(%\)</);
  // Three rates, each at the rate asked and at the rate sent (here the same): six mean markers; the 1G
  // points have a whisker from their lowest to their highest repeat.
  assert.equal(count(loss, 'class="point"'), 6);
  assert.equal(count(loss, 'class="whisker"'), 4);
  assert.match(loss, />udp-rate, at the rate asked</);
  assert.match(loss, />udp-rate, at the rate sent</);
  // Nice x ticks: 0 to 1000 Mbit/s in steps of 200.
  for (const tick of ['0', '200', '400', '600', '800', '1000']) assert.match(loss, new RegExp(`text-anchor="middle">${tick}</text>`));
});

// Issue 16: a loss sweep over offered rate read "0% loss at 5G" when the sender reached 564 Mbit/s.
test('a rate sweep whose sender fell short: a warning in its group, and each figure plotted at the rate sent as well as the rate asked', async () => {
  const results = await readFixture('lab-baseline.json');
  const fast = results.groups.find((g) => g.label.includes('rate=1G'))!;
  fast.figures.sender_mbps = { ...fast.figures.sender_mbps, mean: 564, min: 560, max: 568 };
  fast.figures.target_mbps = { n: 2, mean: 1000, ci95: 0, min: 1000, max: 1000, better: 'higher' };
  const { main } = await renderReport(results, 'html');
  const banners = [...main.matchAll(/<p class="banner warn">([^<]*)<\/p>/g)].map((m) => m[1]);
  assert.deepEqual(banners, [
    'Rate not reached: the sender reached 564 of the 1000 Mbit/s asked (56.4%): loss and jitter describe that lighter load.',
  ]);
  assert.ok(main.indexOf(banners[0]) > main.indexOf(`>${fast.label.replace('=', '&#x3D;')}</h3>`), 'the banner sits in its group');
  assert.deepEqual(tableAfter(main, 'id="sweep-02"')[3].slice(0, 3), ['1G', '564 ± 0', '966.1 ± 15.88']);
  const sweep = main.slice(main.indexOf('id="sweep-02"'), main.indexOf('id="runs"'));
  const loss = /<svg[^>]*aria-label="udp-rate: loss against offered rate"[\s\S]*?<\/svg>/.exec(sweep)?.[0] ?? '';
  const points = [...loss.matchAll(/class="point"[^>]* data-x="([\d.]+)"/g)].map((m) => Number(m[1]));
  // Asked: 100, 500, 1000 Mbit/s; sent: 100, 500, 564. The last sent point sits left of the last asked one.
  assert.equal(points.length, 6);
  const [asked, sent] = [points.slice(0, 3), points.slice(3)];
  assert.deepEqual(sent.slice(0, 2), asked.slice(0, 2));
  assert.ok(sent[2] < asked[2] && sent[2] > asked[1], `sent at x=${sent[2]}, asked at ${asked.join(', ')}`);
});

test('each expanded run has throughput over time, per stream, with the omitted interval shaded', async () => {
  const { main } = await renderReport(await readFixture('lab-baseline.json'), 'html');
  // The Runs section lists every run, one row each; its charts are its group's.
  assert.equal(count(main, /<tr id="run-\d+"/g), 18);
  assert.equal(count(main.slice(main.indexOf('<section id="runs">'), main.indexOf('<section id="failed">')), '<svg'), 0);
  const [single] = groupCharts(main, 'group-01');
  assert.match(single, /aria-label="tcp-single: throughput over time"/);
  // Its three repeats, one line each.
  assert.equal(count(single, 'class="series"'), 3);
  assert.equal(count(single, 'class="point"'), 30);
  for (const name of ['repeat 1', 'repeat 2', 'repeat 3']) assert.match(single, new RegExp(`>${name}</text>`));
  assert.match(single, />omitted</);
  assert.match(single, />time \(s\)</);
  assert.match(single, />throughput \(Mbit\/s\)</);
  const [four] = groupCharts(main, 'group-04');
  assert.equal(count(four, 'class="series"'), 5);
  for (const name of ['total', 'stream 1', 'stream 2', 'stream 3', 'stream 4']) assert.match(four, new RegExp(`>${name}</text>`));
  const row = main.slice(main.indexOf('<tr id="run-06"'), main.indexOf('</tr>', main.indexOf('<tr id="run-06"')));
  assert.deepEqual(
    Array.from(row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g), (m) => textOf(m[1])),
    [
      '6. tcp-streams streams=4 r7k2-006',
      'TCP_STREAM to lab-b (10.20.0.2:7575)',
      'ok',
      '2026-11-24 14:04:09 UTC',
      '10.01s',
      '48.2 % / 30.5 %',
      'Throughput 15566 Mbit/s (1 of 10 intervals omitted)',
    ],
  );
});

test('UDP runs show loss over time and RR runs their latency percentiles', async () => {
  const { main } = await renderReport(await readFixture('lab-baseline.json'), 'html');
  const udp = groupCharts(main, 'group-07');
  assert.deepEqual(
    udp.map((svg) => /aria-label="([^"]*)"/.exec(svg)?.[1]),
    ['udp-rate rate=1G: throughput over time', 'udp-rate rate=1G: loss over time'],
  );
  assert.match(udp[1], />loss \(%\)</);
  const results = await readFixture('lab-baseline.json');
  // One repeat: its percentiles labelled at their markers.
  results.groups[7].run_ids = ['r7k2-013'];
  results.runs = results.runs.filter((r) => r.id !== 'r7k2-014' && r.id !== 'r7k2-015');
  const rr = groupCharts((await renderReport(results, 'html')).main, 'group-08');
  const [distribution] = rr;
  assert.match(distribution, /data-kind="percentile"/);
  for (const label of ['min', 'p50', 'p90', 'p99', 'p99.9', 'max'])
    assert.match(distribution, new RegExp(`>${label.replace('.', '\\.')}</text>`));
  // The run's own percentiles, labelled at their markers, and its mean as a line.
  for (const value of ['19.9', '37.5', '52.3', '92.9', '376', '2137'])
    assert.match(distribution, new RegExp(`font-weight="600">${value.replace('.', '\\.')}</text>`));
  assert.match(distribution, />mean 42 µs</);
  assert.match(distribution, />latency \(µs, log scale\)</);
  assert.match(rr[1], /aria-label="tcp-rr: latency over time"/);
  // Three repeats: a distribution each, and the p99 of each over time.
  const three = groupCharts(main, 'group-08');
  assert.equal(count(three[0], 'class="series"'), 3);
  assert.deepEqual(
    Array.from(three[1].matchAll(/>(repeat \d p99)<\/text>/g), (m) => m[1]),
    ['repeat 1 p99', 'repeat 2 p99', 'repeat 3 p99'],
  );
  assert.equal(groupCharts(main, 'group-09').length, 3);
});

test('failed runs are listed with their error code and message', async () => {
  const { main } = await renderReport(await readFixture('lab-baseline.json'), 'html');
  const message =
    "server 10.20.0.2:7575 refused the test: rate 2000000000 bit/s is above its limit of 1000000000 (--max-rate 1G) - lower the run's rate or start bench serve with a higher --max-rate";
  assert.deepEqual(tableAfter(main, 'id="failed"'), [
    ['Run', 'Test', 'Error', 'Message'],
    ['18. udp-jumbo', 'UDP_STREAM', 'E_REFUSED', message],
  ]);
  const run = main.slice(main.indexOf('<tr id="run-18"'), main.indexOf('</tr>', main.indexOf('id="run-18"')));
  assert.match(run, /<span class="badge failed">failed<\/span> <code>E_REFUSED<\/code>/);
  assert.equal(textOf(run.slice(run.lastIndexOf('<td'))), message);
});

test('the scenario text as it ran and the environment are in the report', async () => {
  const results = await readFixture('lab-baseline.json');
  const { main } = await renderReport(results, 'html');
  const code = /<pre><code>([\s\S]*?)<\/code><\/pre>/.exec(main)?.[1] ?? '';
  assert.equal(decode(code), results.scenario.text);
  assert.ok(main.includes(`sha256 <code>${results.scenario.sha256}</code>`));
  assert.deepEqual(tableAfter(main, 'id="environment"'), [
    ['Host', 'lab-a'],
    ['Operating system', 'linux 6.1.0-27-amd64'],
    ['CPU', '16 × AMD EPYC 7313P 16-Core Processor'],
    ['Node.js', 'v20.18.1'],
    ['bench (ran the tests)', '0.1.0'],
    ['bench (rendered this report)', '0.1.0'],
  ]);
});

test('the HTML is one self-contained file: no script, nothing to fetch, readable on a phone and on paper', async () => {
  const { main } = await renderReport(await readFixture('lab-baseline.json'), 'html');
  assert.equal(count(main, /<script/gi), 0);
  assert.equal(count(main, /<link|<img|<iframe|@import|url\(|src=/gi), 0);
  // The only URL is the SVG namespace, which names the vocabulary and is never fetched.
  assert.deepEqual([...new Set(main.match(/https?:\/\/[^\s"'<>)]+/g))], ['http://www.w3.org/2000/svg']);
  assert.match(main, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/);
  assert.match(main, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.match(main, /@media print \{/);
  assert.match(main, /svg\.chart \{ display: block; width: 100%; height: auto;/);
  const charts = main.match(/<svg [^>]*class="chart"[^>]*>/g) ?? [];
  // One chart set per expanded run, the repeats overlaid: 3 sweep charts and 15 of groups, not 33 (issue 16).
  assert.equal(charts.length, 18);
  for (const svg of charts) assert.match(svg, /viewBox="0 0 480 \d+"/);
  // Each again, laid out for a phone, which the stylesheet shows below 30rem instead.
  const narrow = main.match(/<svg [^>]*class="chart-narrow"[^>]*>/g) ?? [];
  assert.equal(narrow.length, 18);
  for (const svg of narrow) assert.match(svg, /viewBox="0 0 330 \d+"/);
});

test('a hostile scenario renders as text in the HTML report and its charts', async () => {
  const { main } = await renderReport(await readFixture('hostile-names.json'), 'html');
  assert.match(main, /<title>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/title>/);
  assert.match(main, /<h1>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/h1>/);
  assert.equal(count(main, /<script|<img|<iframe|<svg onload|<b>/gi), 0);
  assert.match(main, /x\|y &#x60;tick&#x60; &lt;img src&#x3D;x onerror&#x3D;alert\(2\)&gt;/);
  // Inside SVG: escaped by the chart code, not by Handlebars.
  assert.match(main, /aria-label="&lt;svg onload=alert\(6\)&gt;: loss against offered rate"/);
  assert.match(main, /peer said &lt;\/pre&gt;&lt;script&gt;alert\(4\)&lt;\/script&gt;/);
  assert.match(main, /# &lt;\/pre&gt;&lt;script&gt;alert\(5\)&lt;\/script&gt;/);
  assert.match(main, /&lt;iframe src&#x3D;&quot;https:\/\/example\.invalid\/&quot;&gt;/);
  assert.match(main, /<code>&lt;b&gt;id&lt;\/b&gt;-001<\/code>/);
});

test('results without expectations or groups, from an interrupted scenario, still render in both formats', async () => {
  const results = await readFixture('lab-baseline.json');
  results.expectations = [];
  results.groups = [];
  results.interrupted = true;
  results.runs = results.runs.slice(12, 13).map((r) => ({
    ...r,
    label: undefined,
    repeat_index: undefined,
    interrupted: true,
    peer: { host: '::1', port: 7575, embedded: true },
  }));
  const { main } = await renderReport(results, 'html');
  assert.match(main, /<section id="verdict" class="verdict none">/);
  assert.match(main, /<p class="verdict-headline">No expectations were set<\/p>/);
  assert.match(main, /<strong>Interrupted:<\/strong> the scenario was stopped before its last run\./);
  assert.match(main, /<tr id="run-01">\s*<td data-label="Run">1\. r7k2-013<span class="id"><code>r7k2-013<\/code><\/span><\/td>/);
  assert.match(main, /TCP_RR<span class="id">to embedded loopback server \(\[::1\]:7575\)<\/span>/);
  assert.match(main, /interrupted: the figures cover only the part that ran/);
  // A run in no group keeps its own charts.
  assert.match(main, /<article class="run" id="run-01-charts">\s*<h3>1\. r7k2-013<\/h3>/);
  assert.equal(count(main, '<svg xmlns="http://www.w3.org/2000/svg" class="chart"'), 2);
  assert.doesNotMatch(main, /id="sweeps"|id="failed"/);
  const md = await renderReport(results, 'md');
  assert.match(md.main, /^\*\*No expectations were set\*\*$/m);
  assert.ok(
    md.main.includes(
      '\n| 1. r7k2-013 | TCP\\_RR to embedded loopback server (\\[::1\\]:7575) | ok (interrupted: the figures cover only the part that ran) |',
    ),
  );
  assert.match(md.main, /^### 1\. r7k2-013$/m);
});

/** The loss chart of the udp-rate sweep. */
function sweepLossChart(html: string): string {
  const sweep = html.slice(html.indexOf('id="sweep-02"'), html.indexOf('id="runs"'));
  return /<svg[^>]*aria-label="udp-rate: loss against offered rate"[\s\S]*?<\/svg>/.exec(sweep)?.[0] ?? '';
}

// Issue 16: two equal sweep series (asked and sent, when the sender reached its rate) hid each other.
test('equal sweep series stay distinguishable: each has its own marker shape and dash as well as colour', async () => {
  const loss = sweepLossChart((await renderReport(await readFixture('lab-baseline.json'), 'html')).main);
  const lines = Array.from(loss.matchAll(/<path class="series"[^>]*>/g), (m) => m[0]);
  assert.equal(lines.length, 2);
  const style = (tag: string): string => `${/stroke="([^"]*)"/.exec(tag)?.[1]} ${/stroke-dasharray="([^"]*)"/.exec(tag)?.[1] ?? 'solid'}`;
  assert.deepEqual(lines.map(style), ['#0072B2 solid', '#D55E00 7 4']);
  const markers = Array.from(loss.matchAll(/<(circle|path) class="point"[^>]*>/g), (m) =>
    m[1] === 'circle' ? 'circle' : /d="M[\d.]+ [\d.]+h10v10h-10Z"/.test(m[0]) ? 'square' : 'other',
  );
  assert.deepEqual(markers, ['circle', 'circle', 'circle', 'square', 'square', 'square']);
  // The legend shows each series' marker on its swatch.
  assert.equal(count(loss, 'class="legend-marker"'), 2);
});

// Issue 16: the whiskers showed min-max while the table beside them gave the 95% CI.
test('sweep whiskers show the 95% confidence interval the table gives, and the chart says so', async () => {
  const { main } = await renderReport(await readFixture('lab-baseline.json'), 'html');
  const loss = sweepLossChart(main);
  assert.match(loss, /<text class="chart-caption"[^>]*>mean of the repeats; whiskers: 95% confidence interval \(2\+ repeats\)<\/text>/);
  assert.match(main, /mean of the repeats; whiskers show its 95% confidence interval, as the table does/);
  // Pixels per percent from two y ticks, then the 1G whisker's length in percent: 2 × 1.633 (the CI), not 3.513 − 3.256 (min-max).
  const tick = (v: string): number => Number(new RegExp(`<text x="54" y="([\\d.]+)" text-anchor="end">${v}</text>`).exec(loss)?.[1]);
  const perUnit = (tick('0') - tick('2')) / 2;
  const whiskers = Array.from(
    loss.matchAll(/class="whisker" d="M[\d.]+ ([\d.]+)V([\d.]+)/g),
    (m) => (Number(m[2]) - Number(m[1])) / perUnit,
  );
  assert.ok(perUnit > 0, `ticks: ${perUnit}`);
  // 500M (0.018 ± 0.006, drawn from 0.012) and 1G (3.385 ± 1.633), each at the rate asked and at the rate sent.
  assert.deepEqual(
    whiskers.map((w) => Math.round(w * 100) / 100),
    [0.01, 3.27, 0.01, 3.27],
  );
  // And the point's tooltip gives the same figure as the table.
  assert.match(loss, /<title>3\.385 ± 1\.633<\/title>/);
});

// Issue 16: repeats of one run got different x ranges, one chart each.
test('repeats of one run share one chart and one time axis, covering the longest repeat', async () => {
  const results = await readFixture('lab-baseline.json');
  // The second repeat was stopped after 6 of its 10 intervals.
  const second = results.runs.find((r) => r.id === 'r7k2-002')!;
  second.intervals = second.intervals.slice(0, 6);
  const { main } = await renderReport(results, 'html');
  const charts = groupCharts(main, 'group-01');
  assert.equal(charts.length, 1);
  const ticks = Array.from(charts[0].matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="middle">([\d.]+)<\/text>/g), (m) => m[1]);
  assert.deepEqual(ticks, ['0', '2', '4', '6', '8', '10']);
  assert.equal(count(charts[0], 'class="point"'), 26);
});

// Issue 16: a streams axis had ticks at 0.5 and 1.5.
test('a sweep over streams has whole-number ticks on its axis', async () => {
  const results = await readFixture('lab-baseline.json');
  results.groups = results.groups.filter((g) => g.label !== 'tcp-streams streams=4');
  results.runs = results.runs.filter((r) => r.id !== 'r7k2-006');
  const { main } = await renderReport(results, 'html');
  const sweep = main.slice(main.indexOf('id="sweep-01"'), main.indexOf('id="sweep-02"'));
  const chart = /<svg[\s\S]*?<\/svg>/.exec(sweep)?.[0] ?? '';
  const ticks = Array.from(chart.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="middle">([\d.]+)<\/text>/g), (m) => m[1]);
  assert.deepEqual(ticks, ['0', '1', '2']);
});

/** Every run of the baseline failed, refused by its peer, as a results file records it. */
async function allFailed(): Promise<Awaited<ReturnType<typeof readFixture>>> {
  const results = await readFixture('lab-baseline.json');
  results.expectations = [];
  results.runs = results.runs.map((r, i) => ({
    ...r,
    status: 'failed' as const,
    error: {
      code: 'E_CONNECT',
      message: `cannot connect to 10.20.0.2:7575 (run ${i + 1}): connection refused - start bench serve on the peer`,
    },
    summary: null,
    intervals: [],
    duration_s: 0,
  }));
  for (const g of results.groups) g.figures = {};
  return results;
}

// Issue 16: an all-failed report showed a grey verdict box and a sweep table that said "repeats 2".
test('a report where every run failed says so plainly, with the first error, and counts no repeat', async () => {
  const { main } = await renderReport(await allFailed(), 'html');
  assert.match(main, /<section id="verdict" class="verdict fail">/);
  assert.match(main, /<p class="verdict-headline">✗ No run succeeded: 18 of 18 failed<\/p>/);
  assert.equal(
    textOf(/<section id="verdict"[\s\S]*?<p class="error">([\s\S]*?)<\/p>/.exec(main)?.[1] ?? ''),
    'First error: tcp-single: E_CONNECT cannot connect to 10.20.0.2:7575 (run 1): connection refused - start bench serve on the peer',
  );
  assert.deepEqual(tableAfter(main, 'id="sweep-02"'), [
    ['rate', 'repeats'],
    ['100M', '0 (2 failed)'],
    ['500M', '0 (2 failed)'],
    ['1G', '0 (2 failed)'],
  ]);
  assert.equal(count(main, '<svg'), 0);
});

// Issue 16: the quickstart listed four "embedded" peers, one per run (each on its own port).
test('runs against the embedded server name it once', async () => {
  const results = await readFixture('lab-baseline.json');
  results.runs = results.runs.map((r, i) => ({ ...r, peer: { host: '127.0.0.1', port: 40000 + i, embedded: true } }));
  const { main } = await renderReport(results, 'html');
  const facts = textOf(main.slice(main.indexOf('<dl class="facts">'), main.indexOf('</dl>')));
  assert.match(facts, / Peers all runs against the embedded loopback server \(127\.0\.0\.1\) Runs /);
  assert.deepEqual(tableAfter(main, '<h3>Peers</h3>'), [
    ['Peer', 'Address', 'Runs'],
    ['embedded loopback server', '127.0.0.1', '18'],
  ]);
});

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
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'")
    .replace(/&#x60;/g, '`').replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
}

function count(haystack: string, needle: string | RegExp): number {
  return typeof needle === 'string' ? haystack.split(needle).length - 1 : (haystack.match(needle) ?? []).length;
}

function chartById(html: string, runAnchor: string): string[] {
  const start = html.indexOf(`<article class="run" id="${runAnchor}">`);
  const article = html.slice(start, html.indexOf('</article>', start));
  return Array.from(article.matchAll(/<svg[\s\S]*?<\/svg>/g), (m) => m[0]);
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
  // One repeat has no confidence interval.
  assert.deepEqual(tableAfter(main, '<h3 id="group-04">')[1], ['Throughput', 'Mbit/s', '1', '15566', '—', '15566', '15566', 'higher']);
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
  assert.deepEqual(rr.map((r) => r[0]), [
    'Figure', 'Transactions', 'Latency min', 'Latency mean', 'Latency stddev', 'Latency p50', 'Latency p90', 'Latency p99', 'Latency p99.9', 'Latency max',
  ]);
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
  assert.deepEqual(banners, ['Rate not reached: the sender reached 564 of the 1000 Mbit/s asked (56.4%): loss and jitter describe that lighter load.']);
  assert.ok(main.indexOf(banners[0]) > main.indexOf(`>${fast.label.replace('=', '&#x3D;')}</h3>`), 'the banner sits in its group');
  assert.deepEqual(tableAfter(main, 'id="sweep-02"')[3].slice(0, 3), ['1G', '564 ± 0', '966.1 ± 15.88']);
  const sweep = main.slice(main.indexOf('id="sweep-02"'), main.indexOf('id="runs"'));
  const loss = /<svg[^>]*aria-label="udp-rate: loss against offered rate"[\s\S]*?<\/svg>/.exec(sweep)?.[0] ?? '';
  const points = [...loss.matchAll(/<circle class="point" cx="([\d.]+)"/g)].map((m) => Number(m[1]));
  // Asked: 100, 500, 1000 Mbit/s; sent: 100, 500, 564. The last sent point sits left of the last asked one.
  assert.equal(points.length, 6);
  const [asked, sent] = [points.slice(0, 3), points.slice(3)];
  assert.deepEqual(sent.slice(0, 2), asked.slice(0, 2));
  assert.ok(sent[2] < asked[2] && sent[2] > asked[1], `sent at x=${sent[2]}, asked at ${asked.join(', ')}`);
});

test('each run has throughput over time, per stream, with the omitted interval shaded', async () => {
  const { main } = await renderReport(await readFixture('lab-baseline.json'), 'html');
  assert.equal(count(main, '<article class="run"'), 18);
  const [single] = chartById(main, 'run-01');
  assert.match(single, /aria-label="tcp-single #1: throughput over time"/);
  assert.equal(count(single, 'class="series"'), 1);
  assert.equal(count(single, 'class="point"'), 10);
  assert.match(single, />omitted</);
  assert.match(single, />time \(s\)</);
  assert.match(single, />throughput \(Mbit\/s\)</);
  const [four] = chartById(main, 'run-06');
  assert.equal(count(four, 'class="series"'), 5);
  for (const name of ['total', 'stream 1', 'stream 2', 'stream 3', 'stream 4']) assert.match(four, new RegExp(`>${name}</text>`));
  assert.deepEqual(tableAfter(main, 'id="run-06"'), [['Throughput Mbit/s', 'Sender throughput Mbit/s'], ['15566', '15600']]);
});

test('UDP runs show loss over time and RR runs their latency percentiles', async () => {
  const { main } = await renderReport(await readFixture('lab-baseline.json'), 'html');
  const udp = chartById(main, 'run-11');
  assert.deepEqual(udp.map((svg) => /aria-label="([^"]*)"/.exec(svg)?.[1]), [
    'udp-rate rate=1G #1: throughput over time',
    'udp-rate rate=1G #1: loss over time',
  ]);
  assert.match(udp[1], />loss \(%\)</);
  const rr = chartById(main, 'run-13');
  const [distribution] = rr;
  assert.match(distribution, /data-kind="percentile"/);
  for (const label of ['min', 'p50', 'p90', 'p99', 'p99.9', 'max']) assert.match(distribution, new RegExp(`>${label.replace('.', '\\.')}</text>`));
  // The run's own percentiles, labelled at their markers, and its mean as a line.
  for (const value of ['19.9', '37.5', '52.3', '92.9', '376', '2137']) assert.match(distribution, new RegExp(`font-weight="600">${value.replace('.', '\\.')}</text>`));
  assert.match(distribution, />mean 42 µs</);
  assert.match(distribution, />latency \(µs, log scale\)</);
  assert.match(rr[1], /aria-label="tcp-rr #1: latency over time"/);
  assert.equal(chartById(main, 'run-16').length, 3);
});

test('failed runs are listed with their error code and message', async () => {
  const { main } = await renderReport(await readFixture('lab-baseline.json'), 'html');
  const message =
    "server 10.20.0.2:7575 refused the test: rate 2000000000 bit/s is above its limit of 1000000000 (--max-rate 1G) - lower the run's rate or start bench serve with a higher --max-rate";
  assert.deepEqual(tableAfter(main, 'id="failed"'), [
    ['Run', 'Test', 'Error', 'Message'],
    ['18. udp-jumbo', 'UDP_STREAM', 'E_REFUSED', message],
  ]);
  const run = main.slice(main.indexOf('id="run-18"'), main.indexOf('</article>', main.indexOf('id="run-18"')));
  assert.match(run, /<span class="badge failed">failed<\/span>/);
  assert.equal(textOf(/<p class="error">([\s\S]*?)<\/p>/.exec(run)?.[1] ?? ''), `E_REFUSED ${message}`);
  assert.equal(count(run, '<svg'), 0);
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
  const charts = main.match(/<svg [^>]*>/g) ?? [];
  assert.equal(charts.length, 33);
  for (const svg of charts) assert.match(svg, /viewBox="0 0 480 \d+"/);
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
  results.runs = results.runs.slice(12, 13).map((r) => ({ ...r, label: undefined, repeat_index: undefined, interrupted: true, peer: { host: '::1', port: 7575, embedded: true } }));
  const { main } = await renderReport(results, 'html');
  assert.match(main, /<section id="verdict" class="verdict none">/);
  assert.match(main, /<p class="verdict-headline">No expectations were set<\/p>/);
  assert.match(main, /<strong>Interrupted:<\/strong> the scenario was stopped before its last run\./);
  assert.match(main, /<h3>1\. r7k2-013 <span class="badge ok">ok<\/span><\/h3>/);
  assert.match(main, /TCP_RR to embedded loopback server \(\[::1\]:7575\)/);
  assert.match(main, /Interrupted: the figures cover only the part that ran\./);
  assert.doesNotMatch(main, /id="sweeps"|id="failed"/);
  const md = await renderReport(results, 'md');
  assert.match(md.main, /^\*\*No expectations were set\*\*$/m);
  assert.match(md.main, /^### 1\. r7k2-013: ok$/m);
});

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { ResultsFile } from '../runner/core/results-file.js';
import { isTestName } from '../runner/core/test-params.js';
import { buildReportModel } from '../runner/report/build-report-model.js';
import { cdfSteps } from '../runner/report/charts/cdf-chart.js';
import { compareResults } from '../runner/report/compare/compare-results.js';
import { renderReport } from '../runner/report/render-report.js';
import type { ChartView } from '../runner/report/report-model.js';
import { fixturePath } from './fixtures/results/load-fixture.js';
import { DEEP_BUFFER_FILE, rrulDeepBuffer, rrulStreamsSweep } from './fixtures/results/rrul-fixtures.js';

async function deepBuffer(): Promise<ResultsFile> {
  return JSON.parse(await readFile(fixturePath(DEEP_BUFFER_FILE), 'utf8')) as ResultsFile;
}

function chart(charts: ChartView[], id: string): ChartView {
  const found = charts.find((c) => c.id === id);
  assert.ok(found, `chart ${id} among ${charts.map((c) => c.id).join(', ')}`);
  return found;
}

/** Every element named `tag`, as its attributes. */
function elements(svg: string, tag: string): Array<Record<string, string>> {
  return Array.from(svg.matchAll(new RegExp(`<${tag}\\s([^>]*?)/?>`, 'g')), (m) =>
    Object.fromEntries(Array.from(m[1].matchAll(/([\w-]+)="([^"]*)"/g), (a) => [a[1], a[2]])),
  );
}

function texts(svg: string): string[] {
  return Array.from(svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g), (m) => m[1]);
}

test('the deep-buffer fixture is what test/fixtures/results/rrul-fixtures.ts makes', async () => {
  assert.deepEqual(await deepBuffer(), JSON.parse(JSON.stringify(rrulDeepBuffer())));
});

test("an RRUL run's chart: both panels share the time axis, the three phases shaded and named, each series drawn, every lost probe marked", async () => {
  const results = await deepBuffer();
  const run = results.runs[0];
  const rtt = run.rrul!.rtt_us;
  const model = buildReportModel(results, 'html', '0.0.0');
  assert.deepEqual(
    model.charts.map((c) => [c.id, c.kind, c.title]),
    [
      ['group-01-rrul', 'rrul', 'deep-buffer: latency under load'],
      ['group-01-rrul-cdf', 'cdf', 'deep-buffer: idle and loaded round trip'],
    ],
  );
  const svg = chart(model.charts, 'group-01-rrul').svg;
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" class="chart" data-kind="rrul" viewBox="0 0 480 \d+"/);

  // 12 s on a 404 px axis from x = 60: the phases at 0-2, 2-10 and 10-12 s, once in each panel.
  const phases = elements(svg, 'rect').filter((r) => r.class === 'phase');
  assert.deepEqual(
    phases.map((r) => [r['data-phase'], r.x, r.width]),
    [
      ['idle', '60', '67.33'],
      ['idle', '60', '67.33'],
      ['load', '127.33', '269.33'],
      ['load', '127.33', '269.33'],
      ['drain', '396.67', '67.33'],
      ['drain', '396.67', '67.33'],
    ],
  );
  const labels = texts(svg);
  for (const want of ['idle', 'load', 'drain', 'throughput (Mbit/s)', 'round trip (ms)', 'time (s)', 'p50 195.3 ms', 'p50', '0.101 ms']) {
    assert.ok(labels.includes(want), `'${want}' among the chart's text: ${labels.join(' | ')}`);
  }
  // The time axis's values, under the lower panel only.
  assert.deepEqual(labels.filter((t) => ['0', '2', '4', '6', '8', '10', '12'].includes(t)).slice(-7), [
    '0',
    '2',
    '4',
    '6',
    '8',
    '10',
    '12',
  ]);

  const series = elements(svg, 'path').filter((p) => p.class === 'series');
  assert.deepEqual(
    series.map((p) => p['data-series']),
    ['upload', 'download', 'round trip'],
  );
  // Throughput: one point per load interval (16 of 0.5 s); the idle and drain intervals carry none.
  assert.equal(series[0].d.match(/[ML]/g)?.length, 16);
  assert.equal(series[1]['stroke-dasharray'], '6 3');
  // Every probe that came back is a point (1200 probes are below the thinning limit); each lost one breaks the line.
  const echoed = rtt.filter((v) => v !== null).length;
  const stretches = rtt.filter((v, k) => v !== null && (k === 0 || rtt[k - 1] === null)).length;
  assert.equal(echoed, 1187);
  assert.equal(series[2].d.match(/M/g)?.length, stretches);
  assert.equal(series[2].d.match(/[ML]/g)?.length, echoed);

  const lost = elements(svg, 'path').filter((p) => p.class === 'lost');
  assert.equal(
    lost.reduce((sum, p) => sum + Number(p['data-probes']), 0),
    13,
  );
  assert.equal((run.summary as unknown as { probes_lost: number }).probes_lost, 13);
  const first = rtt.indexOf(null);
  assert.equal(lost[0].d, `M${Math.round((60 + ((first * 0.01) / 12) * 404) * 100) / 100} ${phases[1].y}v9`);
  assert.match(svg, new RegExp(`<title>\\d probes? lost at ${Number((first * 0.01).toPrecision(4))} s</title>`));
});

test('idle and loaded round trips side by side as CDFs on a log axis in ms, lost probes left out and counted in the caption', async () => {
  const svg = chart(buildReportModel(await deepBuffer(), 'html', '0.0.0').charts, 'group-01-rrul-cdf').svg;
  const series = elements(svg, 'path').filter((p) => p.class === 'series');
  assert.deepEqual(
    series.map((p) => [p['data-series'], p['data-samples']]),
    [
      ['idle: p50 0.101 ms', '200'],
      ['loaded: p50 195.3 ms', '787'],
    ],
  );
  const labels = texts(svg);
  assert.ok(labels.includes('round trip (ms, log scale)'));
  assert.ok(labels.includes('probes that came back; lost: idle 0%, loaded 1.625%'));
  // Over four decades only the powers of ten and the two ends are ticked.
  for (const tick of ['0.05', '0.1', '1', '10', '100', '500']) assert.ok(labels.includes(tick), `tick ${tick}`);
  for (const tick of ['0.2', '0.5', '2', '5', '50', '200']) assert.ok(!labels.includes(tick), `no tick ${tick}`);
});

test('a CDF steps up at each sample, once for equal samples; a large sample becomes 300 quantiles', () => {
  assert.deepEqual(cdfSteps([1, 2, 2, 4]), [
    [1, 0],
    [1, 25],
    [2, 25],
    [2, 75],
    [4, 75],
    [4, 100],
  ]);
  const many = Array.from({ length: 3000 }, (_, i) => i + 1);
  const steps = cdfSteps(many);
  assert.equal(steps.length, 301);
  assert.deepEqual(
    [steps[0], steps[1], steps[150], steps[300]],
    [
      [1, 0],
      [10, 10 / 30],
      [1500, 50],
      [3000, 100],
    ],
  );
});

test('report.md gives each RRUL run its table: probes, loss, p50/p90/p99, increase, responsiveness, upload and download by phase', async () => {
  const { main, files } = await renderReport(await deepBuffer(), 'md');
  const section = main.slice(main.indexOf('## Latency under load'), main.indexOf('## Runs'));
  assert.equal(
    section.split('\n').slice(4).join('\n'),
    [
      '### 1. deep-buffer',
      '',
      "upload and download loaded · a probe every 10 ms · latency increase 195.2 ms · responsiveness 307.2 RPM · probes: 1200 sent, 13 lost; the probes' own load 0.0512 Mbit/s",
      '',
      '| Phase | Time (s) | Probes | Lost | Loss (%) | p50 (ms) | p90 (ms) | p99 (ms) | Increase (ms) | Responsiveness (RPM) | Upload (Mbit/s) | Download (Mbit/s) |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      '| idle | 0–2 | 200 | 0 | 0 | 0.101 | 0.113 | 0.138 | — | — | — | — |',
      '| load | 2–10 | 800 | 13 | 1.625 | 195.3 | 200.3 | 200.7 | 195.2 | 307.2 | 18.51 | 18.79 |',
      '| drain | 10–12 | 200 | 0 | 0 | 0.101 | 0.114 | 155.3 | 0 | — | — | — |',
      '',
      '',
    ].join('\n'),
  );
  assert.match(
    main,
    /\n\| deep-buffer \| RRUL \| server \| [^|]* \| 1 \/ 1 \| idle p50 0\.101 ms, loaded p50 195\.3 ms \(\+195\.2 ms, 307\.2 RPM\), upload 18\.51 Mbit\/s, download 18\.79 Mbit\/s \|\n/,
  );
  assert.ok(main.includes('![deep-buffer: latency under load](charts/group-01-rrul.svg)'));
  assert.ok(main.includes('![deep-buffer: idle and loaded round trip](charts/group-01-rrul-cdf.svg)'));
  assert.deepEqual(Object.keys(files).sort(), ['charts/group-01-rrul-cdf.svg', 'charts/group-01-rrul.svg']);
});

test('report.html has the RRUL section in its contents, and a run of another test has none', async () => {
  const { main } = await renderReport(await deepBuffer(), 'html');
  assert.ok(main.includes('<li><a href="#rrul">Latency under load</a></li>'));
  const section = main.slice(main.indexOf('<section id="rrul">'), main.indexOf('<section id="runs">'));
  assert.match(
    section,
    /<td>load<\/td><td class="num">2–10<\/td><td class="num">800<\/td><td class="num">13<\/td><td class="num">1\.625<\/td>/,
  );
  assert.equal((main.match(/<svg [^>]*class="chart"/g) ?? []).length, 2);
  const other = await renderReport(JSON.parse(await readFile(fixturePath('lab-baseline.json'), 'utf8')) as ResultsFile, 'html');
  assert.ok(!other.main.includes('id="rrul"'));
  assert.ok(!other.main.includes('Latency under load'));
});

test('an RRUL run with no probe record, bogus round trips or a hostile label still renders: what is not a figure is not drawn', async () => {
  const results = await deepBuffer();
  const run = results.runs[0];
  run.label = '<script>x</script>';
  results.groups[0].label = '<script>x</script>';
  const rtt = run.rrul!.rtt_us as unknown[];
  rtt[0] = 'fast';
  rtt[1] = -5;
  rtt[2] = Number.NaN;
  const model = buildReportModel(results, 'html', '0.0.0');
  const svg = chart(model.charts, 'group-01-rrul').svg;
  assert.ok(!svg.includes('<script>'));
  assert.ok(svg.includes('&lt;script&gt;x&lt;/script&gt;: latency under load'));
  const lost = elements(svg, 'path').filter((p) => p.class === 'lost');
  assert.equal(
    lost.reduce((sum, p) => sum + Number(p['data-probes']), 0),
    16,
  );

  delete run.rrul;
  const bare = buildReportModel(results, 'md', '0.0.0');
  // No probe record: no time series and no CDF, and the table keeps the summary's figures.
  assert.deepEqual(
    bare.charts.map((c) => c.id),
    [],
  );
  assert.deepEqual(bare.rrul_runs[0].rrul?.table.rows[1], [
    'load',
    '—',
    '—',
    '—',
    '1.625',
    '195.3',
    '200.3',
    '200.7',
    '195.2',
    '307.2',
    '18.51',
    '18.79',
  ]);

  run.status = 'failed';
  run.summary = null;
  const failed = buildReportModel(results, 'md', '0.0.0');
  assert.deepEqual(failed.rrul_runs, []);
  assert.equal(failed.groups[0].charts.length, 0);
});

test('an RRUL sweep over streams: 12 runs chart the latency increase and both throughputs against streams, each run its own time series, each group one CDF', async () => {
  const results = rrulStreamsSweep();
  const model = buildReportModel(results, 'html', '0.0.0');
  assert.equal(model.sweeps.length, 1);
  const sweep = model.sweeps[0];
  assert.deepEqual(
    sweep.charts.map((c) => c.id),
    ['sweep-01-latency-increase-ms', 'sweep-01-throughput'],
  );
  // Upload and download share the throughput chart, one series each, a point per swept value.
  const throughput = chart(sweep.charts, 'sweep-01-throughput');
  assert.equal(throughput.title, 'rrul-streams: throughput against streams');
  const series = elements(throughput.svg, 'path').filter((p) => p.class === 'series');
  assert.deepEqual(
    series.map((p) => p.d.match(/[ML]/g)?.length),
    [4, 4],
  );
  assert.equal(texts(throughput.svg).filter((t) => t === 'throughput (Mbit/s)').length, 1);
  assert.deepEqual(
    sweep.table.rows.map((r) => [r[0], r[r.length - 1]]),
    [
      ['1', '3'],
      ['2', '3'],
      ['4', '3'],
      ['8', '3'],
    ],
  );
  assert.equal(sweep.table.header.length, 9);
  // Four groups of three repeats: each run has its own time series, named by its repeat; each group one CDF, its repeats overlaid.
  assert.equal(model.charts.length, 2 + 12 + 4);
  const cdf = chart(model.charts, 'group-04-rrul-cdf').svg;
  assert.deepEqual(
    elements(cdf, 'path')
      .filter((p) => p.class === 'series')
      .map((p) => [p['data-series']?.split(':')[0], p.stroke, p['stroke-dasharray']]),
    [
      ['idle #1', '#0072B2', undefined],
      ['idle #2', '#0072B2', '7 4'],
      ['idle #3', '#0072B2', '2 3'],
      ['loaded #1', '#D55E00', undefined],
      ['loaded #2', '#D55E00', '7 4'],
      ['loaded #3', '#D55E00', '2 3'],
    ],
  );
  assert.match(cdf, />probes that came back; lost: loaded \d[\d.]*%, \d[\d.]*%, \d[\d.]*%</);
  assert.equal(model.rrul_runs.length, 12);
  assert.ok(model.charts.some((c) => c.title === 'rrul-streams[streams=8] (repeat 3): latency under load'));
  const { main } = await renderReport(results, 'html');
  // 18 charts, each time series holding its 1200 probes (about 20 KB each), each chart twice (the second laid
  // out for a phone, where the first would be drawn too small to read): a page of about 775 KB.
  assert.equal((main.match(/<svg [^>]*class="chart"/g) ?? []).length, 18);
  assert.ok(main.length < 820_000, `the sweep's report is ${main.length} characters`);
});

// bench compare reads `better` from the results file (the catalogue's, written by the scenario);
// the floors keep near-zero probe loss and a few ms of increase from being called regressions.
test('bench compare of RRUL groups: a higher increase and lower responsiveness or throughput are regressions, probe loss within its floor is not', (t) => {
  if (!isTestName('RRUL')) return t.skip('RRUL is not a test name on this branch yet: the engine branch adds it to TEST_NAMES');
  const base = rrulStreamsSweep();
  const next = rrulStreamsSweep();
  const g = next.groups[3];
  const scale = (name: string, by: number): void => {
    const s = g.figures[name];
    g.figures[name] = { ...s, mean: s.mean * by, min: s.min * by, max: s.max * by };
  };
  scale('latency_increase_ms', 1.5);
  scale('loaded_latency_us.p50', 1.5);
  scale('responsiveness_rpm', 1 / 1.5);
  scale('upload_mbps', 0.5);
  scale('download_mbps', 1.5);
  // From no loss at all to one probe in 2000: beyond any percentage, within the floor.
  assert.equal(g.figures.idle_loss_percent.mean, 0);
  g.figures.idle_loss_percent = { ...g.figures.idle_loss_percent, mean: 0.05, min: 0.05, max: 0.05 };
  const c = compareResults(base, next, {
    thresholdPercent: 5,
    paths: { base: 'a.json', new: 'b.json' },
    figures: ['latency_increase_ms', 'loaded_latency_us.p50', 'responsiveness_rpm', 'upload_mbps', 'download_mbps', 'idle_loss_percent'],
  });
  const flags = Object.fromEntries(c.matched[3].figures.map((f) => [f.figure, [f.better, f.flag]]));
  assert.deepEqual(flags, {
    latency_increase_ms: ['lower', 'regression'],
    'loaded_latency_us.p50': ['lower', 'regression'],
    responsiveness_rpm: ['higher', 'regression'],
    upload_mbps: ['higher', 'regression'],
    download_mbps: ['higher', 'improvement'],
    idle_loss_percent: ['lower', 'unchanged'],
  });
  assert.equal(c.floors_text, 'idle_loss_percent 0.1 %, latency_increase_ms 1 ms');
});

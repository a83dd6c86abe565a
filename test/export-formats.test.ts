import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import type { ResultsFile } from '../runner/core/results-file.js';
import { renderCsv } from '../runner/report/export/csv.js';
import { renderJunit } from '../runner/report/export/junit.js';
import { renderMetrics } from '../runner/report/export/openmetrics.js';
import { PushError, pushMetrics } from '../runner/report/export/pushgateway.js';
import { pushgatewayMissing, startPushgateway } from './helpers/pushgateway.js';
import { runCli } from './helpers/cli.js';

/**
 * The exports, from the results of a real scenario run on loopback: JUnit
 * checked by xmllint against the Ant JUnit schema, OpenMetrics by promtool,
 * CSV read back by a real CSV parser.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const JUNIT_XSD = join(ROOT, 'test/fixtures/junit/ant-junit.xsd');
const scratch = mkdtempSync(join(tmpdir(), 'bench-exports-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let results: ResultsFile;
let out: string;

before(async () => {
  const scenario = join(scratch, 'exports.yaml');
  writeFileSync(
    scenario,
    [
      'name: exports',
      'defaults: {duration: 1s, interval: 500ms}',
      'runs:',
      '  - test: TCP_RR',
      '    label: rr <&> "quoted"',
      '    repeat: 2',
      '    expect:',
      '      transactions_per_sec: "> 1"',
      '      latency_us.p50: "< 0.001"',
      '  - test: UDP_STREAM',
      '    rate: [5M, 10M]',
      'report: {formats: [md, junit, csv, openmetrics]}',
      '',
    ].join('\n'),
  );
  out = join(scratch, 'out');
  const run = await runCli(['run', scenario, '--out', out, '--quiet'], { timeoutMs: 60_000 });
  assert.equal(run.code, 3, `one expectation is unmet, so bench run exits 3\n${run.stderr}`);
  results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
  assert.equal(results.runs.length, 4);
});

function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

test('JUnit: valid against the Ant JUnit schema, one failing case for the one unmet expectation', {
  skip: !hasTool('xmllint') && 'xmllint not installed (Debian: libxml2-utils)',
}, () => {
  const xml = renderJunit(results);
  const file = join(scratch, 'junit.xml');
  writeFileSync(file, xml);
  const check = spawnSync('xmllint', ['--noout', '--schema', JUNIT_XSD, file], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);

  assert.equal((xml.match(/<testcase /g) ?? []).length, 3 + 2, 'three expanded runs and two expectations');
  assert.equal((xml.match(/<failure /g) ?? []).length, 1);
  assert.match(xml, /<failure type="expectation" message="latency_us\.p50 was [\d.]+, expected &lt; 0\.001">/);
  assert.match(xml, /name="rr &lt;&amp;&gt; &quot;quoted&quot;"/);
  assert.match(xml, /tests="5" failures="1" errors="0" skipped="0"/);
});

test('JUnit: the schema refuses what CI parsers would (it can fail)', { skip: !hasTool('xmllint') && 'xmllint not installed' }, () => {
  const broken = renderJunit(results)
    .replace(/ hostname="[^"]*"/, '')
    .replace(/timestamp="([^"]+)"/, 'timestamp="$1Z"');
  const file = join(scratch, 'broken.xml');
  writeFileSync(file, broken);
  const check = spawnSync('xmllint', ['--noout', '--schema', JUNIT_XSD, file], { encoding: 'utf8' });
  assert.notEqual(check.status, 0);
  assert.match(check.stderr, /hostname/);
});

test('JUnit: a failed run is an error with its message', () => {
  const failed = structuredClone(results);
  failed.runs[3] = {
    ...failed.runs[3],
    status: 'failed',
    summary: null,
    error: { code: 'PEER_UNREACHABLE', message: 'cannot reach peer x' },
  };
  const xml = renderJunit(failed);
  assert.equal((xml.match(/<error /g) ?? []).length, 1);
  assert.match(xml, /<error type="PEER_UNREACHABLE" message="1 of 1 repeat failed: cannot reach peer x">/);
  assert.match(xml, /errors="1"/);
});

test('CSV: one row per run, a header of figure names with units, the figures as measured', () => {
  const rows = parseCsv(renderCsv(results), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
  assert.equal(rows.length, results.runs.length);
  const header = Object.keys(rows[0]);
  for (const name of [
    'throughput_mbps (Mbit/s)',
    'transactions_per_sec (/s)',
    'latency_us.p99 (µs)',
    'loss_percent (%)',
    'duration_s (s)',
  ]) {
    assert.ok(header.includes(name), `header has ${name}: ${header.join(' | ')}`);
  }
  results.runs.forEach((run, i) => {
    assert.equal(rows[i].label, run.label);
    assert.equal(rows[i].test, run.test);
    const summary = run.summary as unknown as Record<string, unknown>;
    if (run.test === 'UDP_STREAM') {
      assert.equal(Number(rows[i]['throughput_mbps (Mbit/s)']), summary.throughput_mbps);
      assert.equal(rows[i]['transactions_per_sec (/s)'], '', 'a figure the run did not produce is empty, not 0');
    } else {
      assert.equal(Number(rows[i]['latency_us.p99 (µs)']), (summary.latency_us as Record<string, number>).p99);
    }
  });
});

test('CSV: a label a spreadsheet would run as a formula stays text', () => {
  const hostile = structuredClone(results);
  hostile.runs[0].label = '=HYPERLINK("http://x","y")';
  const rows = parseCsv(renderCsv(hostile), { columns: true }) as Array<Record<string, string>>;
  assert.equal(rows[0].label, `'=HYPERLINK("http://x","y")`);
});

test('OpenMetrics: passes promtool, one series per expanded run, base units', {
  skip: !hasTool('promtool') && 'promtool not installed (Debian: prometheus)',
}, () => {
  const text = renderMetrics(results, 'openmetrics');
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  assert.match(text, /# EOF\n$/);
  assert.doesNotMatch(text, /run_id|[0-9a-f]{8}-[0-9a-f]{4}-/, 'no run id in any label');

  const udp = results.groups.filter((g) => g.test === 'UDP_STREAM');
  assert.equal(udp.length, 2);
  for (const group of udp) {
    const rate = String(group.sweep.rate);
    const line = text.split('\n').find((l) => l.startsWith('bench_throughput_bytes_per_second{') && l.includes(`rate="${rate}"`));
    assert.ok(line, `a throughput series for rate ${rate}`);
    assert.equal(Number(line.split(' ').pop()), group.figures.throughput_mbps.mean * 125_000);
    assert.match(line, /scenario="exports",test="UDP_STREAM",from="local",to="embedded"/);
  }
  // RR latency is a real histogram, from the HDR histograms' counts: cumulative, ending at +Inf with every round trip.
  assert.match(text, /^# TYPE bench_rr_latency_seconds histogram$/m);
  const buckets = text.split('\n').filter((l) => l.startsWith('bench_rr_latency_seconds_bucket{'));
  const counts = buckets.map((l) => Number(l.split(' ').pop()));
  assert.equal(buckets.length, 23, '22 bounds from 1 µs to 10 s, then +Inf');
  assert.deepEqual(
    [...counts].sort((a, b) => a - b),
    counts,
    'cumulative counts never fall',
  );
  const total = Number(
    text
      .split('\n')
      .find((l) => l.startsWith('bench_rr_latency_seconds_count{'))
      ?.split(' ')
      .pop(),
  );
  assert.equal(counts.at(-1), total);
  const rr = results.runs.filter((r) => r.test === 'TCP_RR');
  assert.equal(
    total,
    rr.reduce((sum, r) => sum + (r.latency_buckets?.counts.at(-1) ?? 0), 0),
  );
  assert.ok(total > 0);
});

test('OpenMetrics from results written before latency buckets: a summary of the percentiles, still valid', {
  skip: !hasTool('promtool') && 'promtool not installed',
}, () => {
  const older = structuredClone(results);
  for (const run of older.runs) delete run.latency_buckets;
  const text = renderMetrics(older, 'openmetrics');
  assert.match(text, /^# TYPE bench_rr_latency_seconds summary$/m);
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
});

test('Pushgateway: each expanded run pushed as its own group reads back from /metrics', { skip: pushgatewayMissing() }, async () => {
  const gateway = await startPushgateway();
  try {
    for (const group of results.groups) {
      const one = { ...results, groups: [group] };
      await pushMetrics({ url: gateway.url }, results.scenario.name, { label: group.label }, renderMetrics(one, 'prometheus'));
    }
    const scraped = await gateway.scrape();
    for (const group of results.groups.filter((g) => g.test === 'UDP_STREAM')) {
      const line = scraped
        .split('\n')
        .find((l) => l.startsWith('bench_throughput_bytes_per_second{') && l.includes(`rate="${group.sweep.rate}"`));
      assert.ok(line, `pushed series for rate ${group.sweep.rate} in:\n${scraped.slice(0, 2000)}`);
      assert.match(line, /job="exports"/);
      assert.equal(Number(line.split(' ').pop()), group.figures.throughput_mbps.mean * 125_000);
    }
  } finally {
    await gateway.stop();
  }
  await assert.rejects(
    pushMetrics({ url: gateway.url, timeoutMs: 2000 }, 'exports', { label: 'x' }, '# nothing\n'),
    (err: Error) =>
      err instanceof PushError &&
      /^cannot push metrics to http:\/\/127\.0\.0\.1:\d+: connection refused - is the Pushgateway running there\?$/.test(err.message),
  );
});

test("a scenario's report formats write the exports into the results folder, and bench report writes them again", async () => {
  assert.equal(readFileSync(join(out, 'junit.xml'), 'utf8'), renderJunit(results));
  assert.equal(readFileSync(join(out, 'results.csv'), 'utf8'), renderCsv(results));
  assert.equal(readFileSync(join(out, 'metrics.prom'), 'utf8'), renderMetrics(results, 'openmetrics'));
  const again = join(scratch, 'again.xml');
  const r = await runCli(['report', join(out, 'results.json'), '--format', 'junit', '-o', again]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(again, 'utf8'), renderJunit(results));
  const refused = await runCli(['report', join(out, 'results.json'), '--format', 'csv']);
  assert.equal(refused.code, 2, 'results.csv is already there: not replaced without --force');
  const template = await runCli([
    'report',
    join(out, 'results.json'),
    '--format',
    'csv',
    '--template',
    join(out, 'results.json'),
    '-o',
    join(scratch, 'x.csv'),
  ]);
  assert.equal(template.code, 2);
  assert.match(template.stderr, /--template applies to the html and md reports; csv has a fixed form/);
});

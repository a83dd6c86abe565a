import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { marked, type Tokens } from 'marked';
import type { ResultsFile } from '../runner/core/results-file.js';
import { fixturePath, readFixture, runCli, tempDir, writeJson } from './fixtures/results/load-fixture.js';

const BASE = fixturePath('lab-baseline.json');

/** The base fixture with one group's figure scaled, written to a temp file, as a later run of the same scenario. */
async function changed(edit: (r: ResultsFile) => void): Promise<string> {
  const results = await readFixture('lab-baseline.json');
  edit(results);
  return writeJson(join(await tempDir('compare'), 'results.json'), results);
}

function scale(results: ResultsFile, label: string, figure: string, factor: number): void {
  const stats = results.groups.find((g) => g.label === label)!.figures[figure];
  stats.mean *= factor;
  stats.min *= factor;
  stats.max *= factor;
}

/** The table line for a run's figure, with the table's borders turned into single separators. */
function row(stdout: string, figure: string, after = ''): string[] {
  const lines = stdout.split('\n');
  const start = after ? lines.findIndex((l) => l.includes(after)) : 0;
  const line = lines.slice(start).find((l) => l.split('│')[2]?.trim() === figure) ?? '';
  return line
    .split('│')
    .slice(1, -1)
    .map((c) => c.trim());
}

test('a 20% throughput drop is flagged as a regression and exits 1', async () => {
  const next = await changed((r) => scale(r, 'tcp-single', 'throughput_mbps', 0.8));
  const { code, stdout, stderr } = await runCli(['compare', BASE, next]);
  assert.equal(stderr, '');
  assert.equal(code, 1);
  assert.deepEqual(row(stdout, 'Throughput'), [
    'tcp-single',
    'Throughput',
    'Mbit/s',
    '14234 ± 1108',
    '11387 ± 1108',
    '-20.0%',
    'REGRESSION',
  ]);
  assert.match(stdout, /^1 regression, 0 improvements, 19 unchanged across 10 matched runs\.$/m);
});

test('identical files flag nothing and exit 0', async () => {
  const { code, stdout, stderr } = await runCli(['compare', BASE, BASE]);
  assert.equal(stderr, '');
  assert.equal(code, 0);
  assert.doesNotMatch(stdout, /REGRESSION|│ improvement/);
  assert.match(stdout, /^0 regressions, 0 improvements, 20 unchanged across 10 matched runs\.$/m);
  assert.deepEqual(row(stdout, 'Latency p99'), ['', 'Latency p99', 'µs', '94.77 ± 4.024', '94.77 ± 4.024', '0.0%', '']);
  assert.doesNotMatch(stdout, /Only in/);
});

test('a latency increase is a regression; a throughput increase is an improvement that does not fail; a loss drop inside the intervals is noise', async () => {
  const slower = await changed((r) => scale(r, 'tcp-rr', 'latency_us.p99', 1.3));
  const worse = await runCli(['compare', BASE, slower]);
  assert.equal(worse.code, 1);
  assert.deepEqual(row(worse.stdout, 'Latency p99', 'tcp-rr'), [
    '',
    'Latency p99',
    'µs',
    '94.77 ± 4.024',
    '123.2 ± 4.024',
    '+30.0%',
    'REGRESSION',
  ]);

  const faster = await changed((r) => scale(r, 'tcp-single', 'throughput_mbps', 1.2));
  const better = await runCli(['compare', BASE, faster]);
  assert.equal(better.code, 0);
  assert.deepEqual(row(better.stdout, 'Throughput'), [
    'tcp-single',
    'Throughput',
    'Mbit/s',
    '14234 ± 1108',
    '17081 ± 1108',
    '+20.0%',
    'improvement',
  ]);
  assert.match(better.stdout, /^0 regressions, 1 improvement, 19 unchanged across 10 matched runs\.$/m);

  const lessLoss = await changed((r) => scale(r, 'udp-rate rate=1G', 'loss_percent', 0.5));
  const lower = await runCli(['compare', BASE, lessLoss]);
  assert.equal(lower.code, 0);
  // Two repeats that varied widely: the intervals (± 1.633) overlap, so halving the mean proves nothing.
  assert.deepEqual(row(lower.stdout, 'Loss', 'udp-rate rate=1G'), [
    'UDP_STREAM, 5s, 1472B datagrams, rate 1Gbit/s',
    'Loss',
    '%',
    '3.385 ± 1.633',
    '1.692 ± 1.633',
    '-50.0%',
    'noise: 95% CIs overlap',
  ]);
});

test('the threshold decides what counts: a 4% drop passes at 5% and fails at 3%', async () => {
  const next = await changed((r) => scale(r, 'udp-rate rate=500M', 'throughput_mbps', 0.96));
  assert.equal((await runCli(['compare', BASE, next])).code, 0);
  const strict = await runCli(['compare', BASE, next, '--threshold', '3%']);
  assert.equal(strict.code, 1);
  assert.match(strict.stdout, /^threshold: 3%; floors: loss_percent 0\.1 %, jitter_ms 0\.1 ms; figures: headline/m);
  assert.deepEqual(row(strict.stdout, 'Throughput', 'udp-rate rate=500M'), [
    'udp-rate rate=500M',
    'Throughput',
    'Mbit/s',
    '499.9 ± 0',
    '479.9 ± 0',
    '-4.0%',
    'REGRESSION',
  ]);
});

test('runs match by test, peer and params, not by id or label; runs in only one file are listed', async () => {
  const next = await changed((r) => {
    r.groups = r.groups.filter((g) => g.label !== 'udp-rr');
    for (const g of r.groups) {
      g.run_ids = g.run_ids.map((id) => `new-${id}`);
      if (g.label === 'tcp-single') g.label = 'tcp-baseline';
    }
    const added = structuredClone(r.groups.find((g) => g.label === 'tcp-rr')!);
    added.label = 'tcp-rr-big';
    added.params.request_size_bytes = 1024;
    r.groups.push(added);
  });
  const { code, stdout } = await runCli(['compare', BASE, next]);
  assert.equal(code, 0);
  assert.deepEqual(row(stdout, 'Throughput'), [
    'tcp-single (new: tcp-baseline)',
    'Throughput',
    'Mbit/s',
    '14234 ± 1108',
    '14234 ± 1108',
    '0.0%',
    '',
  ]);
  assert.match(stdout, /^Only in base:\n {2}udp-rr: UDP_RR to lab-b, 5s, 1B request, 1B response$/m);
  assert.match(stdout, /^Only in new:\n {2}tcp-rr-big: TCP_RR to lab-b, 5s, 1KiB request, 1B response$/m);
  assert.match(stdout, /across 9 matched runs\.$/m);
});

test('--format md prints GFM tables and --format html a self-contained page', async () => {
  const next = await changed((r) => scale(r, 'tcp-single', 'throughput_mbps', 0.8));
  const md = await runCli(['compare', BASE, next, '--format', 'md']);
  assert.equal(md.code, 1);
  const tables = marked.lexer(md.stdout).filter((t): t is Tokens.Table => t.type === 'table');
  assert.deepEqual(
    tables[1].header.map((c) => c.text),
    ['Run', 'Figure', 'Unit', 'Base', 'New', 'Change', 'Flag'],
  );
  assert.deepEqual(
    tables[1].rows[0].map((c) => c.text),
    ['tcp-single', 'Throughput', 'Mbit/s', '14234 ± 1108', '11387 ± 1108', '-20.0%', '❌ REGRESSION'],
  );
  assert.match(md.stdout, /\*\*❌ 1 regression, 0 improvements, 19 unchanged across 10 matched runs\.\*\*/);

  const html = await runCli(['compare', BASE, next, '--format', 'html']);
  assert.equal(html.code, 1);
  assert.match(html.stdout, /^<!DOCTYPE html>/);
  assert.match(
    html.stdout,
    /<tr class="regression">\s*<td>tcp-single<span class="unit">TCP_STREAM, 10s, omit 1s, 64KiB writes<\/span><\/td>\s*<td>Throughput<\/td><td>Mbit\/s<\/td><td class="num">14234 ± 1108<\/td><td class="num">11387 ± 1108<\/td><td class="num">-20.0%<\/td>/,
  );
  assert.doesNotMatch(html.stdout, /<script|<link|<img/);
});

test('bad input exits 2 with a message that says what to do', async () => {
  const threshold = await runCli(['compare', BASE, BASE, '--threshold', 'five']);
  assert.equal(threshold.code, 2);
  assert.equal(threshold.stderr, "bench: invalid --threshold 'five': write a percentage, such as 5% or 2.5%\n");

  const format = await runCli(['compare', BASE, BASE, '--format', 'pdf']);
  assert.equal(format.code, 2);
  assert.equal(format.stderr, "bench: unknown compare format 'pdf': use text, md, html or json\n");

  const dir = await tempDir('compare-bad');
  const broken = join(dir, 'broken.json');
  await writeFile(broken, '{\n  "schema_version": 1,\n  "runs": [,]\n}\n');
  const notJson = await runCli(['compare', broken, BASE]);
  assert.equal(notJson.code, 2);
  assert.equal(
    notJson.stderr,
    `bench: cannot read results file '${broken}': not JSON at line 3, column 12: unexpected ',' - pass the results.json that bench run wrote\n`,
  );

  const missing = await runCli(['compare', join(dir, 'nope.json'), BASE]);
  assert.equal(missing.code, 2);
  assert.equal(
    missing.stderr,
    `bench: cannot read results file '${join(dir, 'nope.json')}': no such file - pass the results.json that bench run wrote\n`,
  );
});

test('names from a hostile scenario stay text in the Markdown and HTML comparison', async () => {
  const hostile = fixturePath('hostile-names.json');
  const md = await runCli(['compare', hostile, hostile, '--format', 'md']);
  assert.equal(md.code, 0);
  const html = marked
    .lexer(md.stdout)
    .flatMap((t) =>
      t.type === 'table'
        ? [...(t as Tokens.Table).header, ...(t as Tokens.Table).rows.flat()].flatMap((c) => c.tokens)
        : 'tokens' in t && t.tokens
          ? t.tokens
          : [t],
    );
  assert.deepEqual(
    html.filter((t) => t.type === 'html'),
    [],
  );
  assert.match(md.stdout, /^# bench compare: &lt;script&gt;alert\(1\)&lt;\/script&gt; against &lt;script&gt;alert\(1\)&lt;\/script&gt;$/m);
  const page = await runCli(['compare', hostile, hostile, '--format', 'html']);
  assert.doesNotMatch(page.stdout, /<script|<img|<svg/);
  assert.match(page.stdout, /<td>x\|y &#x60;tick&#x60; &lt;img src&#x3D;x onerror&#x3D;alert\(2\)&gt;<span class="unit">/);
});

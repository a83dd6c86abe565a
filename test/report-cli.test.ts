import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixturePath, runCli, tempDir } from './fixtures/results/load-fixture.js';

test('bench report writes report.html beside the results file by default', async () => {
  const dir = await tempDir('report-cli');
  const results = join(dir, 'results.json');
  await copyFile(fixturePath('lab-baseline.json'), results);
  const { code, stdout, stderr } = await runCli(['report', results]);
  assert.equal(stderr, '');
  assert.equal(code, 0);
  assert.equal(stdout, `wrote ${join(dir, 'report.html')}\n`);
  assert.match(await readFile(join(dir, 'report.html'), 'utf8'), /<h1>Lab link A to B: 25 GbE baseline<\/h1>/);
});

test('bench report --format md -o writes the Markdown there, with its charts beside it', async () => {
  const dir = await tempDir('report-cli-md');
  const out = join(dir, 'out', 'lab.md');
  const { code, stdout } = await runCli(['report', fixturePath('lab-baseline.json'), '--format', 'md', '-o', out]);
  assert.equal(code, 0);
  assert.match(stdout, /^wrote .*\/out\/lab\.md and 18 charts in .*\/out\/charts\n$/);
  const charts = await readdir(join(dir, 'out', 'charts'));
  assert.equal(charts.length, 18);
  assert.ok(charts.includes('group-04-throughput.svg'));
  assert.match(await readFile(out, 'utf8'), /^# Lab link A to B: 25 GbE baseline\n/);
});

test('bench report --template renders a template of your own on the documented model', async () => {
  const dir = await tempDir('report-cli-template');
  const template = join(dir, 'mine.hbs');
  await writeFile(
    template,
    '{{title}} | {{verdict.headline}} | {{#each groups}}{{#if @index}}, {{/if}}{{label}}={{#each headline}}{{mean_text}}{{unit}}{{/each}}{{/each}}\n' +
      '{{#each sweeps}}{{label}} over {{x_label}}: {{#each charts}}{{file}} {{/each}}\n{{/each}}' +
      '{{#each failed_runs}}{{error.code}}{{/each}} {{counts.runs}} runs, {{charts.length}} charts\n',
  );
  const out = join(dir, 'mine.txt');
  const { code, stderr } = await runCli([
    'report',
    fixturePath('lab-baseline.json'),
    '--template',
    template,
    '-o',
    out,
    '--format',
    'html',
  ]);
  assert.equal(stderr, '');
  assert.equal(code, 0);
  assert.equal(
    await readFile(out, 'utf8'),
    'Lab link A to B: 25 GbE baseline | 2 of 4 expectations not met | ' +
      'tcp-single=14234Mbit/s, tcp-streams streams&#x3D;1=13864Mbit/s, tcp-streams streams&#x3D;2=14878Mbit/s, tcp-streams streams&#x3D;4=15566Mbit/s, ' +
      'udp-rate rate&#x3D;100M=100Mbit/s0%0.012ms, udp-rate rate&#x3D;500M=499.9Mbit/s0.018%0.034ms, udp-rate rate&#x3D;1G=966.1Mbit/s3.385%0.222ms, ' +
      'tcp-rr=23567/s37.93µs94.77µs, udp-rr=20016/s44.65µs107.2µs0.01%, udp-jumbo=\n' +
      'tcp-streams over streams: charts/sweep-01-throughput-mbps.svg \n' +
      'udp-rate over offered rate: charts/sweep-02-throughput-mbps.svg charts/sweep-02-loss-percent.svg \n' +
      'E_REFUSED 18 runs, 18 charts\n',
  );
});

test('bench report says what is wrong with a bad template, format or results file, and exits 2', async () => {
  const dir = await tempDir('report-cli-bad');
  const template = join(dir, 'broken.hbs');
  await writeFile(template, '<h1>{{title}}</h1>\n{{#each groups}}\n{{label}}\n');
  const broken = await runCli(['report', fixturePath('lab-baseline.json'), '--template', template, '-o', join(dir, 'x.html')]);
  assert.equal(broken.code, 2);
  assert.equal(
    broken.stderr,
    `bench: cannot render template '${template}': Parse error on line 4: Expecting 'OPEN_INVERSE_CHAIN', 'INVERSE', 'OPEN_ENDBLOCK', got 'EOF' - fix the template (its fields are in docs/report-data-model.md) or leave out --template\n`,
  );

  const format = await runCli(['report', fixturePath('lab-baseline.json'), '--format', 'pdf']);
  assert.equal(format.code, 2);
  assert.equal(format.stderr, "bench: unknown report format 'pdf': use html, md, junit, csv, openmetrics\n");

  const wrong = join(dir, 'package.json');
  await writeFile(wrong, JSON.stringify({ name: 'not-results', version: '1.0.0' }));
  const notResults = await runCli(['report', wrong]);
  assert.equal(notResults.code, 2);
  assert.equal(
    notResults.stderr,
    `bench: cannot read results file '${wrong}': not a bench results file (no schema_version) - pass the results.json that bench run wrote\n`,
  );
});

test('bench report --template without -o prints on stdout and leaves the report the run wrote alone', async () => {
  const dir = await tempDir('report-cli-template-stdout');
  const results = join(dir, 'results.json');
  await copyFile(fixturePath('lab-baseline.json'), results);
  await writeFile(join(dir, 'report.html'), 'the report bench run wrote\n');
  const template = join(dir, 'mine.hbs');
  await writeFile(template, '{{title}}: {{counts.runs}} runs\n');

  const html = await runCli(['report', results, '--template', template]);
  assert.equal(html.stderr, '');
  assert.equal(html.code, 0);
  assert.equal(html.stdout, 'Lab link A to B: 25 GbE baseline: 18 runs\n');
  assert.equal(await readFile(join(dir, 'report.html'), 'utf8'), 'the report bench run wrote\n');

  // Markdown charts are files; on stdout there is nowhere to put them, and the note says how to get them.
  const md = await runCli(['report', results, '--template', template, '--format', 'md']);
  assert.equal(md.code, 0);
  assert.equal(md.stdout, 'Lab link A to B: 25 GbE baseline: 18 runs\n');
  assert.equal(md.stderr, 'note: 18 chart files not written: pass -o FILE to write the output and its charts/ folder beside it\n');
  assert.deepEqual((await readdir(dir)).sort(), ['mine.hbs', 'report.html', 'results.json']);
});

test('bench report does not replace the report beside the results file unless --force or -o says so', async () => {
  const dir = await tempDir('report-cli-force');
  const results = join(dir, 'results.json');
  await copyFile(fixturePath('lab-baseline.json'), results);
  await writeFile(join(dir, 'report.html'), 'the report bench run wrote\n');

  const refused = await runCli(['report', results]);
  assert.equal(refused.code, 2);
  assert.equal(refused.stdout, '');
  assert.equal(
    refused.stderr,
    `bench: ${join(dir, 'report.html')} already exists (bench run wrote it): pass --force to replace it, or -o FILE to write the report elsewhere\n`,
  );
  assert.equal(await readFile(join(dir, 'report.html'), 'utf8'), 'the report bench run wrote\n');

  const forced = await runCli(['report', results, '--force']);
  assert.equal(forced.code, 0);
  assert.equal(forced.stdout, `wrote ${join(dir, 'report.html')}\n`);
  assert.match(await readFile(join(dir, 'report.html'), 'utf8'), /<h1>Lab link A to B: 25 GbE baseline<\/h1>/);

  await writeFile(join(dir, 'report.html'), 'the report bench run wrote\n');
  const named = await runCli(['report', results, '-o', join(dir, 'report.html')]);
  assert.equal(named.code, 0);
  assert.match(await readFile(join(dir, 'report.html'), 'utf8'), /<h1>Lab link A to B: 25 GbE baseline<\/h1>/);
});

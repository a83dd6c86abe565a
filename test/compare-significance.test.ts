import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Comparison } from '../runner/report/compare/compare-results.js';
import { join } from 'node:path';
import { buildCompareResults, writeCompareResults } from './fixtures/results/compare-files.js';
import { fixturePath, runCli, tempDir, writeJson } from './fixtures/results/load-fixture.js';

/**
 * `bench compare` as a CI gate, on results files built from run objects:
 * exit 1 only for a regression the repeats support, 0 for noise, one repeat
 * or a data path change, and 2 when there was nothing to compare.
 */
const tcp = (...mbps: number[]) => ({ tcp: mbps.map((throughput_mbps) => ({ throughput_mbps })) });
const loss = (...values: number[]) => ({ udp: values.map((loss_percent) => ({ loss_percent })) });

function lineOf(stdout: string, figure: string): string[] {
  const line = stdout.split('\n').find((l) => l.split('│')[2]?.trim() === figure) ?? '';
  return line
    .split('│')
    .slice(1, -1)
    .map((c) => c.trim());
}

test('two runs of the same scenario that differ within their intervals: no regression, exit 0', async () => {
  const base = await writeCompareResults('noise-base', tcp(900, 1000, 1100));
  const next = await writeCompareResults('noise-new', tcp(800, 900, 1000));
  const r = await runCli(['compare', base, next]);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.deepEqual(lineOf(r.stdout, 'Throughput'), [
    'tcp',
    'Throughput',
    'Mbit/s',
    '1000 ± 248.4',
    '900 ± 248.4',
    '-10.0%',
    'noise: 95% CIs overlap',
  ]);
  assert.match(r.stdout, /^0 regressions, 0 improvements, 1 within noise, 0 unchanged across 1 matched run\.$/m);
});

test('a clear regression outside both intervals exits 1', async () => {
  const base = await writeCompareResults('clear-base', tcp(990, 1000, 1010));
  const next = await writeCompareResults('clear-new', tcp(790, 800, 810));
  const r = await runCli(['compare', base, next]);
  assert.equal(r.code, 1);
  assert.deepEqual(lineOf(r.stdout, 'Throughput'), ['tcp', 'Throughput', 'Mbit/s', '1000 ± 24.84', '800 ± 24.84', '-20.0%', 'REGRESSION']);
});

test('one repeat on a side: the change is shown, not judged, exit 0', async () => {
  const base = await writeCompareResults('one-base', tcp(1000));
  const next = await writeCompareResults('one-new', tcp(600));
  const r = await runCli(['compare', base, next]);
  assert.equal(r.code, 0);
  assert.deepEqual(lineOf(r.stdout, 'Throughput'), ['tcp', 'Throughput', 'Mbit/s', '1000', '600', '-40.0%', 'not judged: 1 repeat']);
});

test('loss 0 -> 0.01% is within the default floor; --floor loss_percent=0 makes it count; 0 -> 0.5% is shown as an absolute change', async () => {
  const base = await writeCompareResults('floor-base', loss(0, 0, 0));
  const tiny = await writeCompareResults('floor-tiny', loss(0.01, 0.01, 0.01));
  const r = await runCli(['compare', base, tiny]);
  assert.equal(r.code, 0);
  assert.deepEqual(lineOf(r.stdout, 'Loss'), [
    'UDP_STREAM, 5s, 1472B datagrams, rate 100Mbit/s',
    'Loss',
    '%',
    '0 ± 0',
    '0.01 ± 0',
    '+0.01 from 0',
    'within floor 0.1',
  ]);

  const strict = await runCli(['compare', base, tiny, '--floor', 'loss_percent=0']);
  assert.equal(strict.code, 1);
  assert.match(strict.stdout, /floors: jitter_ms 0\.1 ms;/);

  const lossy = await writeCompareResults('floor-lossy', loss(0.5, 0.5, 0.5));
  const real = await runCli(['compare', base, lossy]);
  assert.equal(real.code, 1);
  assert.deepEqual(lineOf(real.stdout, 'Loss').slice(3), ['0 ± 0', '0.5 ± 0', '+0.5 from 0', 'REGRESSION']);
  assert.doesNotMatch(real.stdout, /infinity/i);
});

test('files with no run in common exit 2 and say so', async () => {
  const base = await writeCompareResults('apart-base', tcp(1000, 1000));
  const r = await runCli(['compare', base, fixturePath('lab-baseline.json')]);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /^No runs in common: the two files share no test with the same peer and parameters\.$/m);
  assert.equal(
    r.stderr,
    `bench: no run in common: '${base}' and '${fixturePath('lab-baseline.json')}' share no test with the same peer and parameters - compare results of the same scenario (runs match by test, peer and parameters, not by label)\n`,
  );
});

test('a data path change is not called a regression, and the output says why', async () => {
  const base = await writeCompareResults('path-base', tcp(2990, 3000, 3010), { dataPath: 'native' });
  const next = await writeCompareResults('path-new', tcp(990, 1000, 1010), { dataPath: 'js' });
  const r = await runCli(['compare', base, next]);
  assert.equal(r.code, 0);
  assert.deepEqual(lineOf(r.stdout, 'Throughput').slice(5), ['-66.7%', 'not compared: data path differs']);
  assert.match(r.stdout, /^tcp: data path differs: native vs js - the two paths measure 2-4x apart; compare like with like$/m);
});

test('--format json is one JSON document with the verdict, each figure and its intervals', async () => {
  const base = await writeCompareResults('json-base', { ...tcp(990, 1000, 1010), ...loss(0, 0, 0) });
  const next = await writeCompareResults('json-new', { ...tcp(790, 800, 810), ...loss(0.01, 0.02, 0.01) });
  const r = await runCli(['compare', base, next, '--format', 'json']);
  assert.equal(r.code, 1);
  const c = JSON.parse(r.stdout) as Comparison;
  assert.equal(c.compare_version, 1);
  assert.equal(c.outcome, 'regression');
  assert.deepEqual([c.regressions, c.improvements, c.unchanged], [1, 0, 3]);
  assert.deepEqual(c.floors, {
    loss_percent: 0.1,
    jitter_ms: 0.1,
    idle_loss_percent: 0.1,
    loaded_loss_percent: 0.1,
    drain_loss_percent: 0.1,
    latency_increase_ms: 1,
  });
  assert.equal(c.figures, 'headline');
  assert.deepEqual(
    c.matched.map((g) => [g.label, g.base_data_path, g.new_data_path, g.data_path_note]),
    [
      ['tcp', 'native', 'native', null],
      ['udp', 'native', 'native', null],
    ],
  );
  const tput = c.matched[0].figures[0];
  assert.deepEqual(
    {
      ...tput,
      base: { ...tput.base, ci95: Number(tput.base!.ci95!.toFixed(3)) },
      new: { ...tput.new, ci95: Number(tput.new!.ci95!.toFixed(3)) },
    },
    {
      figure: 'throughput_mbps',
      label: 'Throughput',
      unit: 'Mbit/s',
      better: 'higher',
      base: { mean: 1000, ci95: 24.841, n: 3 },
      new: { mean: 800, ci95: 24.841, n: 3 },
      change: -200,
      change_percent: -20,
      floor: null,
      flag: 'regression',
      base_text: '1000 ± 24.84',
      new_text: '800 ± 24.84',
      change_text: '-20.0%',
      flag_text: 'REGRESSION',
      regression: true,
      improvement: false,
    },
  );
  assert.deepEqual(
    c.matched[1].figures.map((f) => [f.figure, f.flag, f.change_percent]),
    [
      ['throughput_mbps', 'unchanged', 0],
      ['loss_percent', 'unchanged', null],
      ['jitter_ms', 'unchanged', 0],
    ],
  );
});

test('--figures chooses what is compared; an unknown figure is a usage error with a suggestion', async () => {
  const base = await writeCompareResults('figures-base', { rr: [{ max: 200 }, { max: 201 }, { max: 202 }] });
  const next = await writeCompareResults('figures-new', { rr: [{ max: 900 }, { max: 901 }, { max: 902 }] });
  assert.equal((await runCli(['compare', base, next])).code, 0);
  const chosen = await runCli(['compare', base, next, '--figures', 'latency_us.max,latency_us.p99']);
  assert.equal(chosen.code, 1);
  assert.deepEqual(lineOf(chosen.stdout, 'Latency max').slice(1), [
    'Latency max',
    'µs',
    '201 ± 2.484',
    '901 ± 2.484',
    '+348.3%',
    'REGRESSION',
  ]);

  const typo = await runCli(['compare', base, next, '--figures', 'latncy_us.p99']);
  assert.equal(typo.code, 2);
  assert.equal(typo.stdout, '');
  assert.equal(typo.stderr, "bench: unknown figure 'latncy_us.p99' in --figures: did you mean 'latency_us.p99'?\n");

  const floor = await runCli(['compare', base, next, '--floor', 'los_percent=1']);
  assert.equal(floor.code, 2);
  assert.equal(floor.stderr, "bench: unknown figure 'los_percent' in --floor: did you mean 'loss_percent'?\n");
  const badFloor = await runCli(['compare', base, next, '--floor', 'loss_percent']);
  assert.equal(
    badFloor.stderr,
    "bench: invalid --floor 'loss_percent': write figure=value in the figure's unit, such as --floor loss_percent=0.1\n",
  );

  // Figures none of the common runs produce: nothing was compared, which must not pass a gate.
  const absent = await runCli(['compare', base, next, '--figures', 'jitter_ms']);
  assert.equal(absent.code, 2);
  assert.equal(
    absent.stderr,
    'bench: nothing compared: the 1 run in common (TCP_RR) has none of the figures chosen with --figures - pick figures those tests produce, or leave out --figures for the headline ones\n',
  );
});

test('labels from a results file reach the terminal without their control characters', async () => {
  const results = buildCompareResults(tcp(1000, 1000));
  results.groups[0].label = 'tcp\u001b[2J\u001b]0;owned\u0007';
  const path = await writeJson(join(await tempDir('compare-escape'), 'results.json'), results);
  const r = await runCli(['compare', path, path]);
  assert.equal(r.code, 0);
  assert.doesNotMatch(r.stdout, /[\u0000-\u0008\u000b-\u001f\u007f]/);
  assert.match(r.stdout, /│ tcp\\x1b\[2J\\x1b\]0;owned\\x07 +│ Throughput/);
});

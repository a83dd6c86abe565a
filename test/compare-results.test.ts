import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FigureStatistics, ResultsFile } from '../runner/core/results-file.js';
import { compareResults, matchKey, percentChange } from '../runner/report/compare/compare-results.js';
import { readFixture } from './fixtures/results/load-fixture.js';

const PATHS = { base: 'a.json', new: 'b.json' };

function stat(mean: number, better: 'higher' | 'lower'): FigureStatistics {
  return { n: 2, mean, ci95: 1, min: mean, max: mean, better };
}

/** Two one-group files that differ only in the figures given. */
async function pair(base: Record<string, FigureStatistics>, next: Record<string, FigureStatistics>): Promise<[ResultsFile, ResultsFile]> {
  const a = await readFixture('lab-baseline.json');
  const b = structuredClone(a);
  a.groups = [{ ...a.groups[0], figures: base }];
  b.groups = [{ ...b.groups[0], figures: next }];
  return [a, b];
}

test('a change exactly at the threshold is not flagged; just beyond it is', async () => {
  const [a, b] = await pair({ throughput_mbps: stat(1000, 'higher') }, { throughput_mbps: stat(950, 'higher') });
  assert.equal(compareResults(a, b, 5, PATHS).matched[0].figures[0].flag, 'unchanged');
  b.groups[0].figures.throughput_mbps = stat(949, 'higher');
  const change = compareResults(a, b, 5, PATHS).matched[0].figures[0];
  assert.deepEqual([change.flag, change.change_text, change.change_percent], ['regression', '-5.1%', -5.1]);
});

test('direction comes from the figure: loss and latency up are regressions, down improvements', async () => {
  const [a, b] = await pair(
    { loss_percent: stat(1, 'lower'), 'latency_us.p99': stat(100, 'lower'), jitter_ms: stat(0.2, 'lower') },
    { loss_percent: stat(1.5, 'lower'), 'latency_us.p99': stat(80, 'lower'), jitter_ms: stat(0.2, 'lower') },
  );
  const c = compareResults(a, b, 5, PATHS);
  assert.deepEqual(
    c.matched[0].figures.map((f) => [f.figure, f.change_text, f.flag_text]),
    [
      ['latency_us.p99', '-20.0%', 'improvement'],
      ['loss_percent', '+50.0%', 'REGRESSION'],
      ['jitter_ms', '0.0%', ''],
    ],
  );
  assert.deepEqual([c.regressions, c.improvements, c.unchanged], [1, 1, 1]);
});

test('loss from zero is a regression; a figure the new file lost (its runs failed) is one too', async () => {
  const [a, b] = await pair(
    { loss_percent: stat(0, 'lower'), throughput_mbps: stat(900, 'higher') },
    { loss_percent: stat(0.3, 'lower'), throughput_mbps: { n: 0, mean: 0, ci95: null, min: 0, max: 0, better: 'higher' } },
  );
  const c = compareResults(a, b, 5, PATHS);
  assert.deepEqual(
    c.matched[0].figures.map((f) => [f.figure, f.base_text, f.new_text, f.change_text, f.flag_text]),
    [
      ['throughput_mbps', '900', '—', '—', 'REGRESSION (no result)'],
      ['loss_percent', '0', '0.3', 'from 0', 'REGRESSION'],
    ],
  );
  assert.equal(c.regressions, 2);
  assert.equal(percentChange(0, 0), 0);
  assert.equal(percentChange(0, -1), -Infinity);
});

test('timeout_s does not stop two runs matching; any other parameter does', async () => {
  const results = await readFixture('lab-baseline.json');
  const group = results.groups[0];
  assert.equal(matchKey({ ...group, params: { ...group.params, timeout_s: 5 } }), matchKey(group));
  assert.notEqual(matchKey({ ...group, params: { ...group.params, omit_s: 2 } }), matchKey(group));
  assert.notEqual(matchKey({ ...group, peer: 'lab-c' }), matchKey(group));
  assert.equal(matchKey({ ...group, label: 'renamed', run_ids: ['x'] }), matchKey(group));
});

test('files sharing no run say so instead of claiming no regressions', async () => {
  const a = await readFixture('lab-baseline.json');
  const b = await readFixture('hostile-names.json');
  const c = compareResults(a, b, 5, PATHS);
  assert.equal(c.matched.length, 0);
  assert.equal(c.summary_text, 'No runs matched: the two files share no test with the same peer and parameters.');
  assert.equal(c.only_in_base.length, 10);
  assert.equal(c.only_in_new.length, 4);
});

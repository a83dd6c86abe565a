import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultsFile } from '../runner/core/results-file.js';
import { compareResults, matchKey, type CompareOptions, type FigureChange } from '../runner/report/compare/compare-results.js';
import { parseScenario } from '../runner/scenario/load-scenario.js';
import { summarizeGroups } from '../runner/scenario/group-results.js';
import { buildCompareResults, COMPARE_SCENARIO } from './fixtures/results/compare-files.js';
import { readFixture } from './fixtures/results/load-fixture.js';
import { ResultsFileError } from '../runner/report/load-results.js';

const PATHS = { base: 'a.json', new: 'b.json' };

function compare(base: ResultsFile, next: ResultsFile, options: Partial<CompareOptions> = {}) {
  return compareResults(base, next, { thresholdPercent: 5, paths: PATHS, ...options });
}

function figure(c: ReturnType<typeof compare>, label: string, name: string): FigureChange {
  const found = c.matched.find((g) => g.label === label)?.figures.find((f) => f.figure === name);
  assert.ok(found, `${label} ${name} was compared`);
  return found;
}

const tcp = (...mbps: number[]) => ({ tcp: mbps.map((throughput_mbps) => ({ throughput_mbps })) });

test('a change exactly at the threshold is not flagged; just beyond it, with the intervals apart, it is a regression', () => {
  const base = buildCompareResults(tcp(999, 1000, 1001));
  const at = compare(base, buildCompareResults(tcp(949, 950, 951)));
  assert.deepEqual([figure(at, 'tcp', 'throughput_mbps').flag, at.outcome], ['unchanged', 'ok']);
  const beyond = figure(compare(base, buildCompareResults(tcp(948, 949, 950))), 'tcp', 'throughput_mbps');
  assert.deepEqual(
    [beyond.flag, beyond.change_text, beyond.change_percent, beyond.base_text, beyond.new_text],
    ['regression', '-5.1%', -5.1, '1000 ± 2.484', '949 ± 2.484'],
  );
});

test('a change beyond the threshold whose 95% intervals overlap is noise, not a regression', () => {
  // Base varies ±10% across repeats: its interval (± 248) holds a 10% drop.
  const c = compare(buildCompareResults(tcp(900, 1000, 1100)), buildCompareResults(tcp(800, 900, 1000)));
  const f = figure(c, 'tcp', 'throughput_mbps');
  assert.deepEqual([f.flag, f.flag_text, f.change_text, f.regression], ['noise', 'noise: 95% CIs overlap', '-10.0%', false]);
  assert.equal(c.outcome, 'ok');
  assert.equal(c.summary_text, '0 regressions, 0 improvements, 1 within noise, 0 unchanged across 1 matched run.');
});

test('with one repeat on either side the change is shown but not judged', () => {
  const c = compare(buildCompareResults(tcp(1000)), buildCompareResults(tcp(700, 700, 700)));
  const f = figure(c, 'tcp', 'throughput_mbps');
  assert.deepEqual(
    [f.flag, f.flag_text, f.base_text, f.new_text, f.change_text, f.regression],
    ['not_judged', 'not judged: 1 repeat', '1000', '700 ± 0', '-30.0%', false],
  );
  assert.equal(c.outcome, 'ok');
  assert.equal(c.summary_text, '0 regressions, 0 improvements, 1 not judged (one repeat), 0 unchanged across 1 matched run.');
});

test('headline figures only by default: latency max and stddev are left out unless chosen', () => {
  const base = buildCompareResults({ rr: [{ max: 200 }, { max: 201 }, { max: 202 }] });
  const next = buildCompareResults({ rr: [{ max: 900 }, { max: 901 }, { max: 902 }] });
  const headline = compare(base, next);
  assert.deepEqual(
    headline.matched[0].figures.map((f) => f.figure),
    ['transactions_per_sec', 'latency_us.p50', 'latency_us.p99'],
  );
  assert.equal(headline.outcome, 'ok');
  const chosen = compare(base, next, { figures: ['latency_us.max'] });
  assert.deepEqual(
    chosen.matched[0].figures.map((f) => [f.figure, f.flag]),
    [['latency_us.max', 'regression']],
  );
  assert.equal(chosen.outcome, 'regression');
  const all = compare(base, next, { figures: 'all' });
  assert.deepEqual(
    all.matched[0].figures.map((f) => f.figure),
    ['transactions_per_sec', ...['min', 'mean', 'stddev', 'p50', 'p90', 'p99', 'p999', 'max'].map((p) => `latency_us.${p}`)],
  );
});

test('loss from 0 to 0.01% is within the floor; 0 to 0.5% is a regression shown as an absolute change, never +infinity', () => {
  const zero = buildCompareResults({ udp: [{ loss_percent: 0 }, { loss_percent: 0 }, { loss_percent: 0 }] });
  const tiny = compare(zero, buildCompareResults({ udp: [{ loss_percent: 0.01 }, { loss_percent: 0.01 }, { loss_percent: 0.01 }] }));
  const small = figure(tiny, 'udp', 'loss_percent');
  assert.deepEqual(
    [small.flag, small.flag_text, small.change_text, small.change_percent, small.floor],
    ['unchanged', 'within floor 0.1', '+0.01 from 0', null, 0.1],
  );
  assert.equal(tiny.outcome, 'ok');

  // The floor is the user's to move: with none, the same 0.01% (intervals apart) is a regression.
  const strict = compare(zero, buildCompareResults({ udp: [{ loss_percent: 0.01 }, { loss_percent: 0.01 }, { loss_percent: 0.01 }] }), {
    floors: { loss_percent: 0 },
  });
  assert.deepEqual([figure(strict, 'udp', 'loss_percent').flag, strict.outcome], ['regression', 'regression']);

  const real = compare(zero, buildCompareResults({ udp: [{ loss_percent: 0.5 }, { loss_percent: 0.5 }, { loss_percent: 0.5 }] }));
  const lossy = figure(real, 'udp', 'loss_percent');
  assert.deepEqual(
    [lossy.flag, lossy.change, lossy.change_percent, lossy.change_text, lossy.base_text],
    ['regression', 0.5, null, '+0.5 from 0', '0 ± 0'],
  );
  assert.equal(JSON.stringify(real).includes('Infinity'), false);
});

test('across data paths a difference is not compared, and the group says why', () => {
  const c = compare(
    buildCompareResults(tcp(2990, 3000, 3010), { dataPath: 'native' }),
    buildCompareResults(tcp(990, 1000, 1010), { dataPath: 'js' }),
  );
  const group = c.matched[0];
  assert.deepEqual([group.base_data_path, group.new_data_path], ['native', 'js']);
  assert.equal(group.data_path_note, 'data path differs: native vs js - the two paths measure 2-4x apart; compare like with like');
  assert.deepEqual(
    [group.figures[0].flag, group.figures[0].flag_text, group.figures[0].regression],
    ['data_path_differs', 'not compared: data path differs', false],
  );
  assert.equal(c.outcome, 'ok');
  assert.equal(c.summary_text, '0 regressions, 0 improvements, 1 not compared (data path differs), 0 unchanged across 1 matched run.');
});

test('results groups carry the data path their runs ran: one path, mixed, or null when no run said', () => {
  assert.equal(buildCompareResults(tcp(1, 2), { dataPath: 'js' }).groups[0].data_path, 'js');
  const results = buildCompareResults(tcp(1, 2), { dataPath: 'native' });
  const planned = parseScenario('cmp.yaml', COMPARE_SCENARIO, { env: {} }).groups.filter((g) => g.label === 'tcp');
  assert.equal(summarizeGroups(planned, results.runs)[0].data_path, 'native');
  results.runs[1].server.data_path = 'js';
  assert.equal(summarizeGroups(planned, results.runs)[0].data_path, 'mixed');
  for (const r of results.runs) r.client.data_path = r.server.data_path = null;
  assert.equal(summarizeGroups(planned, results.runs)[0].data_path, null);
});

test('direction comes from the figure: latency up is a regression, transactions up an improvement', () => {
  const base = buildCompareResults({
    rr: [
      { p99: 100, transactions_per_sec: 20000 },
      { p99: 101, transactions_per_sec: 20010 },
      { p99: 102, transactions_per_sec: 20020 },
    ],
  });
  const next = buildCompareResults({
    rr: [
      { p99: 130, transactions_per_sec: 24000 },
      { p99: 131, transactions_per_sec: 24010 },
      { p99: 132, transactions_per_sec: 24020 },
    ],
  });
  const c = compare(base, next);
  assert.deepEqual(
    c.matched[0].figures.map((f) => [f.figure, f.change_text, f.flag_text]),
    [
      ['transactions_per_sec', '+20.0%', 'improvement'],
      ['latency_us.p50', '0.0%', ''],
      ['latency_us.p99', '+29.7%', 'REGRESSION'],
    ],
  );
  assert.deepEqual([c.regressions, c.improvements, c.unchanged], [1, 1, 1]);
});

test('a figure the new file lost (its runs failed) is a regression', () => {
  const base = buildCompareResults(tcp(900, 910));
  const next = buildCompareResults(tcp(900, 910));
  next.groups[0].figures = {};
  const c = compare(base, next);
  assert.deepEqual(
    c.matched[0].figures.map((f) => [f.figure, f.base_text, f.new_text, f.change_text, f.flag_text]),
    [['throughput_mbps', '905 ± 63.53', '—', '—', 'REGRESSION (no result)']],
  );
  assert.equal(c.outcome, 'regression');
});

test('files sharing no run, or sharing runs without the chosen figures, compare nothing', async () => {
  const a = await readFixture('lab-baseline.json');
  const none = compare(a, await readFixture('hostile-names.json'));
  assert.deepEqual([none.matched.length, none.only_in_base.length, none.only_in_new.length, none.outcome], [0, 10, 4, 'nothing_compared']);
  assert.equal(none.summary_text, 'No runs in common: the two files share no test with the same peer and parameters.');
  const tcpOnly = compare(buildCompareResults(tcp(1, 2)), buildCompareResults(tcp(1, 2)), { figures: ['jitter_ms'] });
  assert.equal(tcpOnly.outcome, 'nothing_compared');
  assert.equal(tcpOnly.summary_text, 'Nothing compared: no jitter_ms in the 1 matched run.');
});

test('a figure that is not a finite number in a results file is refused with its place, not judged', () => {
  const base = buildCompareResults(tcp(1, 2));
  const next = buildCompareResults(tcp(1, 2));
  (next.groups[0].figures.throughput_mbps as { mean: unknown }).mean = 'fast';
  assert.throws(() => compare(base, next), {
    message: `cannot compare 'b.json': groups[0].figures.throughput_mbps.mean should be a number, not "fast" - pass the results.json that bench run wrote`,
  });
});

test('timeout_s does not stop two runs matching; any other parameter does', async () => {
  const results = await readFixture('lab-baseline.json');
  const group = results.groups[0];
  assert.equal(matchKey({ ...group, params: { ...group.params, timeout_s: 5 } }), matchKey(group));
  assert.notEqual(matchKey({ ...group, params: { ...group.params, omit_s: 2 } }), matchKey(group));
  assert.notEqual(matchKey({ ...group, peer: 'lab-c' }), matchKey(group));
  assert.equal(matchKey({ ...group, label: 'renamed', run_ids: ['x'] }), matchKey(group));
});

test('no value in a group of a results file makes compare fail other than with a message naming the field', () => {
  const base = buildCompareResults({ ...tcp(990, 1000, 1010), udp: [{ loss_percent: 0 }, { loss_percent: 0.2 }], rr: [{ p99: 90 }] });
  const fields = ['label', 'test', 'peer', 'params', 'data_path', 'figures'] as const;
  fc.assert(
    fc.property(fc.nat(2), fc.constantFrom(...fields, 'figure', 'param'), fc.jsonValue(), (groupIndex, field, value) => {
      const next = structuredClone(base);
      const group = next.groups[groupIndex] as unknown as Record<string, unknown>;
      if (field === 'figure') (group.figures as Record<string, unknown>).throughput_mbps = value;
      else if (field === 'param') (group.params as Record<string, unknown>).duration_s = value;
      else group[field] = value;
      // What load-results already refuses (a label that is not text, params that are no object) never gets here.
      if (typeof group.label !== 'string' || !isObject(group.params) || !isObject(group.figures)) return;
      try {
        const c = compare(base, next);
        assert.ok(['ok', 'regression', 'nothing_compared'].includes(c.outcome));
      } catch (err) {
        assert.ok(err instanceof ResultsFileError, `expected a ResultsFileError, got ${String(err)}`);
        assert.match(
          err.message,
          /^cannot compare 'b\.json': groups\[\d\](\.\w+|\.figures\[".*"\]|\.figures\.[\w.]+)+ should be .+ - pass the results\.json that bench run wrote$/s,
        );
        assert.doesNotMatch(err.message, /[\u0000-\u001f\u007f-\u009f]/);
      }
    }),
    { numRuns: 1000 },
  );
});

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

test('results files with group data paths follow schemas/results.schema.json', () => {
  const ajv = new Ajv2020.default({ strict: true, allErrors: true });
  const validate = ajv.compile(
    JSON.parse(readFileSync(fileURLToPath(new URL('../../schemas/results.schema.json', import.meta.url)), 'utf8')) as object,
  );
  for (const dataPath of ['native', 'js'] as const) {
    const results = buildCompareResults({ ...tcp(1, 2), rr: [{ p99: 90 }] }, { dataPath });
    assert.deepEqual(
      results.groups.map((g) => g.data_path),
      [dataPath, dataPath],
    );
    assert.equal(validate(results), true, JSON.stringify(validate.errors));
  }
});

test('compare matches on the from host as well: the same test to the same peer from another host is another measurement', async () => {
  const base = await readFixture('lab-baseline.json');
  const withFrom = (file: ResultsFile, name: string): ResultsFile => {
    const copy = structuredClone(file);
    const ids = new Set(copy.groups[0].run_ids);
    for (const run of copy.runs) if (ids.has(run.id)) run.from = { host: '10.0.0.9', port: 7575, name };
    return copy;
  };
  const same = compare(base, structuredClone(base));
  const fromA = compare(base, withFrom(base, 'lab-a'));
  // (The fixture's first group measures what another group does, so which base group is left over is the other's.)
  assert.deepEqual(
    [fromA.matched.length, fromA.only_in_base.length, fromA.only_in_new.map((g) => g.label)],
    [same.matched.length - 1, 1, [base.groups[0].label]],
  );
  assert.equal(compare(withFrom(base, 'lab-a'), withFrom(base, 'lab-a')).matched.length, same.matched.length);
  assert.equal(compare(withFrom(base, 'lab-a'), withFrom(base, 'lab-b')).matched.length, same.matched.length - 1);
});

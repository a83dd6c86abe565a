import Ajv2020 from 'ajv/dist/2020.js';
import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { findJsonError, findJsonValue } from '../runner/report/json-error-place.js';
import { parseResults, ResultsFileError } from '../runner/report/load-results.js';
import { fixturePath, readFixture, repoRoot, runCli, tempDir } from './fixtures/results/load-fixture.js';

function problem(data: unknown): string {
  try {
    parseResults(typeof data === 'string' ? data : JSON.stringify(data), 'r.json');
  } catch (err) {
    assert.ok(err instanceof ResultsFileError);
    assert.equal(err.code, 'E_USAGE');
    return err.message;
  }
  assert.fail('parsed');
}

test('a results file that is not JSON is refused with the line and column of the mistake', () => {
  assert.equal(
    problem('{\n  "a": 1,\n}'),
    "cannot read results file 'r.json': not JSON at line 3, column 1: unexpected '}' - pass the results.json that bench run wrote",
  );
  assert.equal(
    problem(''),
    "cannot read results file 'r.json': not JSON at line 1, column 1: unexpected the end of the file - pass the results.json that bench run wrote",
  );
  assert.deepEqual(findJsonError('{"a": "x\\"y", "b": [1, -2.5e3, true, null]} x'), { line: 1, column: 45, found: "'x'" });
  assert.equal(findJsonError('{"a": "x\\"y", "b": [1, -2.5e3, true, null]}'), null);
});

test('a JSON file that is not a results file names the first field that is wrong, with its FILE:LINE:COL', async () => {
  const good = await readFixture('lab-baseline.json');
  assert.equal(
    problem({ ...good, schema_version: 2 }),
    "cannot read results file 'r.json': schema_version is 2, this bench reads 1 - render it with the bench version that wrote it",
  );
  assert.equal(
    problem({ ...good, groups: undefined }),
    'r.json:1:1: not a valid results file: groups is missing - pass the results.json that bench run wrote',
  );
  const runs = structuredClone(good.runs);
  (runs[3] as unknown as Record<string, unknown>).status = 'done';
  const text = JSON.stringify({ ...good, runs }, null, 2);
  const at = placeOf(text, '"done"');
  assert.equal(
    problem(text),
    `r.json:${at}: not a valid results file: runs[3].status should be 'ok' or 'failed', not "done" - pass the results.json that bench run wrote`,
  );
  assert.equal(
    problem([1, 2]),
    "cannot read results file 'r.json': not a bench results file (the top level is not an object) - pass the results.json that bench run wrote",
  );
  assert.deepEqual(parseResults(JSON.stringify(good), 'r.json'), good);
});

/** LINE:COL of the first `needle` in `text` after `anchor`, counted independently of the code under test. */
function placeOf(text: string, needle: string, anchor = ''): string {
  const before = text.slice(0, text.indexOf(needle, text.indexOf(anchor))).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

test('findJsonValue finds the line and column of a value by its path, and of the object that lacks a key', () => {
  const text = '{\n  "a": [1, {"b": "x,]}"}, [2, 3]],\n  "c": {"d": null}\n}';
  assert.deepEqual(findJsonValue(text, ['a', 1, 'b']), { line: 2, column: 18 });
  assert.deepEqual(findJsonValue(text, ['a', 2, 1]), { line: 2, column: 31 });
  assert.deepEqual(findJsonValue(text, ['c', 'd']), { line: 3, column: 14 });
  assert.deepEqual(findJsonValue(text, ['c', 'missing']), { line: 3, column: 8 });
  assert.deepEqual(findJsonValue(text, ['a', 7]), { line: 2, column: 8 });
  assert.deepEqual(findJsonValue(text, []), { line: 1, column: 1 });
  // Deep nesting is skipped by counting brackets, not by recursion.
  const deep = `{"x": ${'['.repeat(200_000)}${']'.repeat(200_000)}, "y": 1}`;
  assert.deepEqual(findJsonValue(deep, ['y']), { line: 1, column: 400_014 });
});

test('results files that crashed bench report and bench compare with a TypeError exit 2 with the JSON path and FILE:LINE:COL', async () => {
  const good = await readFixture('lab-baseline.json');
  const dir = await tempDir('bad-results');
  // The last two fields: where the problem is, as the first `needle` after `anchor`.
  const cases: Array<[name: string, change: (r: Record<string, any>) => void, problem: string, needle: string, anchor: string]> = [
    ['peer-host-null', (r) => (r.runs[0].peer.host = null), 'runs[0].peer.host should be a string, not null', 'null', '"host"'],
    [
      'test-foo',
      (r) => (r.runs[0].test = 'FOO'),
      "runs[0].test should be one of 'TCP_STREAM', 'UDP_STREAM', 'TCP_RR', 'UDP_RR', 'TCP_CRR', 'RRUL', not \"FOO\"",
      '"FOO"',
      '',
    ],
    ['params-empty', (r) => (r.runs[0].params = {}), 'runs[0].params.test is missing', '{}', '"params"'],
    ['summary-string', (r) => (r.runs[0].summary = 'str'), 'runs[0].summary should be an object or null, not "str"', '"str"', ''],
    ['intervals-null', (r) => (r.runs[0].intervals = [null]), 'runs[0].intervals[0] should be an object, not null', 'null', '"intervals"'],
  ];
  try {
    for (const [name, change, what, needle, anchor] of cases) {
      const data = structuredClone(good) as unknown as Record<string, any>;
      change(data);
      const text = JSON.stringify(data, null, 2);
      const file = join(dir, `${name}.json`);
      await writeFile(file, text);
      const expected = `bench: ${file}:${placeOf(text, needle, anchor)}: not a valid results file: ${what} - pass the results.json that bench run wrote\n`;
      const report = await runCli(['report', file, '-o', join(dir, 'out.html')]);
      assert.deepEqual({ code: report.code, stderr: report.stderr }, { code: 2, stderr: expected }, `bench report, ${name}`);
      const compare = await runCli(['compare', fixturePath('lab-baseline.json'), file]);
      assert.deepEqual({ code: compare.code, stderr: compare.stderr }, { code: 2, stderr: expected }, `bench compare, ${name}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a run of 300,000 intervals renders, its line thinned to the pixels (the charts used to overflow the stack spreading them into Math.max)', async () => {
  const good = await readFixture('lab-baseline.json');
  const dir = await tempDir('big-results');
  try {
    const data = structuredClone(good);
    const run = data.runs[0];
    const template = run.intervals[1];
    run.intervals = Array.from({ length: 300_000 }, (_, k) => ({ ...template, start_s: k / 10, end_s: (k + 1) / 10, omitted: false }));
    const file = join(dir, 'results.json');
    await writeFile(file, JSON.stringify(data));
    const r = await runCli(['report', file, '--format', 'md']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^wrote .*report\.md and \d+ charts in /);
    const svg = await readFile(join(dir, 'charts', (await readdir(join(dir, 'charts'))).sort()[0]), 'utf8');
    // The x axis of the first run's throughput chart reaches its 30,000th second.
    assert.ok(svg.includes('>30k</text>'), 'the time axis ends at 30k s');
    // At most four points per pixel column are drawn (it was a 3.8 MB path of 300,000 points).
    const drawn = (/class="series" d="([^"]*)"/.exec(svg)?.[1].match(/[ML]/g) ?? []).length;
    assert.ok(drawn > 400 && drawn <= 4 * 405, `${drawn} points drawn`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the report fixtures follow schemas/results.schema.json, as bench run writes it', async () => {
  const ajv = new Ajv2020.default({ strict: true, allErrors: true });
  const validate = ajv.compile(JSON.parse(await readFile(join(repoRoot, 'schemas/results.schema.json'), 'utf8')) as object);
  for (const name of ['lab-baseline.json', 'hostile-names.json'] as const) {
    const valid = validate(await readFixture(name));
    // Regenerate with node test/fixtures/results/generate-fixtures.mjs after a change to the contract.
    assert.deepEqual(valid ? [] : validate.errors?.map((e) => `${e.instancePath} ${e.message}`), [], name);
  }
});

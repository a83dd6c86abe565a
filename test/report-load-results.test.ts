import Ajv2020 from 'ajv/dist/2020.js';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { findJsonError } from '../runner/report/json-error-place.js';
import { parseResults, ResultsFileError } from '../runner/report/load-results.js';
import { readFixture, repoRoot } from './fixtures/results/load-fixture.js';

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
  assert.equal(problem('{\n  "a": 1,\n}'), "cannot read results file 'r.json': not JSON at line 3, column 1: unexpected '}' - pass the results.json that bench run wrote");
  assert.equal(problem(''), "cannot read results file 'r.json': not JSON at line 1, column 1: unexpected the end of the file - pass the results.json that bench run wrote");
  assert.deepEqual(findJsonError('{"a": "x\\"y", "b": [1, -2.5e3, true, null]} x'), { line: 1, column: 45, found: "'x'" });
  assert.equal(findJsonError('{"a": "x\\"y", "b": [1, -2.5e3, true, null]}'), null);
});

test('a JSON file that is not a results file names the first field that is wrong', async () => {
  const good = await readFixture('lab-baseline.json');
  assert.equal(problem({ ...good, schema_version: 2 }), "cannot read results file 'r.json': schema_version is 2, this bench reads 1 - render it with the bench version that wrote it");
  assert.equal(problem({ ...good, groups: undefined }), "cannot read results file 'r.json': groups is missing - pass the results.json that bench run wrote");
  const runs = structuredClone(good.runs);
  (runs[3] as unknown as Record<string, unknown>).status = 'done';
  assert.equal(problem({ ...good, runs }), `cannot read results file 'r.json': runs[3].status should be 'ok' or 'failed', not "done" - pass the results.json that bench run wrote`);
  assert.equal(problem([1, 2]), "cannot read results file 'r.json': not a bench results file (the top level is not an object) - pass the results.json that bench run wrote");
  assert.deepEqual(parseResults(JSON.stringify(good), 'r.json'), good);
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

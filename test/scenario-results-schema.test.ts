import Ajv2020 from 'ajv/dist/2020.js';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RunObject } from '../runner/core/run-object.js';
import { buildResults } from '../runner/scenario/build-results.js';
import { parseScenario } from '../runner/scenario/load-scenario.js';
import { createResultsFolder, defaultResultsDir, RunLog, writeResultsFile } from '../runner/scenario/results-folder.js';
import { rrRun, streamRun } from './fixtures/scenarios/run-objects.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'bench-results-schema-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const ajv = new Ajv2020.default({ strict: true, allErrors: true });
ajv.addSchema(JSON.parse(readFileSync(join(ROOT, 'schemas/results.schema.json'), 'utf8')) as object, 'results');
const validateResults = ajv.getSchema('results')!;
const validateRun = ajv.getSchema('results#/$defs/run')!;

function errorsOf(validate: typeof validateResults, data: unknown): string[] {
  return validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const text =
  'name: schema-check\ndescription: both kinds of figures\nruns:\n  - { test: TCP_STREAM, repeat: 2, expect: { throughput_mbps: ">= 900" } }\n  - { test: UDP_RR }\n';
const loaded = parseScenario('s.yaml', text, { env: {} });
const [tcp, udpRr] = loaded.groups;
const runs: RunObject[] = [
  streamRun(tcp, 0, 930),
  streamRun(tcp, 1, 950),
  { ...rrRun(udpRr, 0, 120), status: 'failed', summary: null, intervals: [], error: { code: 'E_PEER_UNREACHABLE', message: 'refused' } },
];

test('a results.json written by the scenario runner validates against schemas/results.schema.json', async () => {
  const dir = await createResultsFolder(join(scratch, 'written'), 'schema-check', new Date());
  const results = buildResults({
    loaded,
    groups: loaded.groups,
    runs,
    interrupted: false,
    startedAt: new Date('2025-01-25T00:55:12Z'),
    finishedAt: new Date('2025-01-25T00:56:00Z'),
    note: 'after the switch firmware upgrade',
  });
  const path = await writeResultsFile(dir, results);
  assert.deepEqual(readdirSync(dir), ['results.json']);
  const onDisk = JSON.parse(readFileSync(path, 'utf8')) as typeof results;
  assert.deepEqual(errorsOf(validateResults, onDisk), []);
  assert.equal(onDisk.scenario.sha256, loaded.sha256);
  assert.equal(onDisk.scenario.text, text);
  assert.equal(onDisk.note, 'after the switch firmware upgrade');
  assert.equal(onDisk.groups[0].figures.throughput_mbps.mean, 940);
  assert.deepEqual(
    onDisk.expectations.map((e) => [e.label, e.observed, e.ok]),
    [['TCP_STREAM local', 940, true]],
  );
});

test('the schema is strict: it refuses a run without status, a stray key, and figures of the wrong kind', () => {
  const results = buildResults({ loaded, groups: loaded.groups, runs, interrupted: true, startedAt: new Date(), finishedAt: new Date() });
  assert.deepEqual(errorsOf(validateResults, results), []);
  const { status: _status, ...noStatus } = runs[0];
  assert.deepEqual(errorsOf(validateRun, noStatus), [" must have required property 'status'"]);
  assert.deepEqual(errorsOf(validateRun, { ...runs[0], colour: 'blue' }), [' must NOT have additional properties']);
  const mixed = { ...runs[0], summary: { ...runs[0].summary, latency_us: { p99: 1 } } };
  assert.ok(errorsOf(validateRun, mixed).includes('/summary must match a schema in anyOf'));
  assert.deepEqual(errorsOf(validateResults, { ...results, schema_version: 2 }), ['/schema_version must be equal to constant']);
});

test('results.jsonl holds one valid run object per line, on disk as soon as append returns', async () => {
  const dir = join(scratch, 'log');
  mkdirSync(dir);
  const log = await RunLog.open(dir);
  await log.append(runs[0]);
  // Read while the log is still open, as another process would during the next run.
  assert.equal(readFileSync(join(dir, 'results.jsonl'), 'utf8').split('\n').filter(Boolean).length, 1);
  await log.append(runs[2]);
  await log.close();
  const lines = readFileSync(join(dir, 'results.jsonl'), 'utf8').trimEnd().split('\n');
  assert.deepEqual(
    lines.map((l) => errorsOf(validateRun, JSON.parse(l))),
    [[], []],
  );
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as RunObject).status),
    ['ok', 'failed'],
  );
});

test('results folders: results/<name>-<UTC time> by default; --out must not already hold results', async () => {
  assert.equal(defaultResultsDir('Lab baseline', new Date('2025-01-25T00:55:12.345Z')), join('results', 'lab-baseline-20250125T005512Z'));
  const used = join(scratch, 'used');
  mkdirSync(used);
  writeFileSync(join(used, 'results.jsonl'), '');
  await assert.rejects(createResultsFolder(used, 'x', new Date()), {
    code: 'E_USAGE',
    message: `--out ${used} already holds bench output (results.jsonl): choose another --out, or remove it first`,
  });
});

test("the report engineer's results fixtures follow the same contract", () => {
  const dir = join(ROOT, 'test/fixtures/results');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    assert.deepEqual(errorsOf(validateResults, JSON.parse(readFileSync(join(dir, f), 'utf8'))), [], f);
  }
});

import Ajv2020 from 'ajv/dist/2020.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ResultsFile } from '../../runner/core/results-file.js';
import type { RunObject } from '../../runner/core/run-object.js';
import { CLI, runCli } from '../helpers/cli.js';

/**
 * `bench run` end to end: the built CLI spawned as a user runs it, real
 * sockets on loopback, real files. Runs are 1s each (`--set duration=1s`).
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'bench-scenario-e2e-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const ajv = new Ajv2020.default({ strict: true, allErrors: true });
const validateResults = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas/results.schema.json'), 'utf8')) as object);

function scenarioFile(name: string, text: string): string {
  const path = join(scratch, `${name}.yaml`);
  writeFileSync(path, text);
  return path;
}

function runLog(dir: string): RunObject[] {
  return readFileSync(join(dir, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RunObject);
}

function resultsOf(dir: string): ResultsFile {
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;
  assert.ok(validateResults(results), JSON.stringify(validateResults.errors));
  return results;
}

/** A loopback port with nothing listening: bound, then closed again. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('with --keep-going, a run against a dead peer is recorded failed, the next run still runs, and bench run exits 1', async () => {
  const port = await deadPort();
  const file = scenarioFile(
    'dead-peer',
    [
      'name: dead-peer',
      'peers:',
      '  dead:',
      '    host: 127.0.0.1',
      '    port: ${DEAD_PORT}',
      'runs:',
      '  - test: TCP_STREAM',
      '  - { test: TCP_STREAM, peer: dead }',
      '  - test: UDP_RR',
    ].join('\n'),
  );
  const out = join(scratch, 'dead-peer-results');
  const r = await runCli(['run', file, '--set', 'duration=1s', '--out', out, '--keep-going'], { env: { DEAD_PORT: String(port) } });
  assert.equal(r.code, 1, r.stderr);
  const log = runLog(out);
  assert.deepEqual(
    log.map((run) => [run.label, run.status, run.scenario_index, run.repeat_index]),
    [
      ['TCP_STREAM local', 'ok', 0, 0],
      ['TCP_STREAM dead', 'failed', 1, 0],
      ['UDP_RR local', 'ok', 2, 0],
    ],
  );
  assert.equal(log[1].error?.code, 'E_PEER_UNREACHABLE');
  assert.ok(log[1].error?.message.includes(`127.0.0.1:${port}`), log[1].error?.message);
  assert.equal(log[2].params.duration_s, 1);
  const results = resultsOf(out);
  assert.deepEqual(
    results.runs.map((run) => run.id),
    log.map((run) => run.id),
  );
  assert.deepEqual(
    results.groups.map((g) => [g.label, g.peer, g.run_ids.length, 'transactions_per_sec' in g.figures || 'throughput_mbps' in g.figures]),
    [
      ['TCP_STREAM local', 'local', 1, true],
      ['TCP_STREAM dead', 'dead', 1, false],
      ['UDP_RR local', 'local', 1, true],
    ],
  );
  assert.match(r.stderr, /^\[3\/3\] UDP_RR local: ok {2}\d/m);
  assert.ok(r.stdout.includes(`\nFailed runs\n  ✗ TCP_STREAM dead: E_PEER_UNREACHABLE: ${log[1].error?.message}\n`), r.stdout);
  assert.ok(
    r.stdout.endsWith(
      `3 runs: 2 ok, 1 failed\nResults: ${join(out, 'results.json')}\nReport: ${join(out, 'report.html')}\nReport: ${join(out, 'report.md')}\n`,
    ),
    r.stdout,
  );
});

test('an expectation that cannot be met exits 3; --json prints only the results on stdout; the report is rendered', async () => {
  const file = scenarioFile(
    'unmet',
    ['name: unmet', 'runs:', '  - test: TCP_RR', '    expect: { transactions_per_sec: ">= 1e12" }', 'report: { formats: [md] }'].join('\n'),
  );
  const out = join(scratch, 'unmet-results');
  const r = await runCli(['run', file, '--set', 'duration=1s', '--out', out, '--json', '--note', 'loopback check']);
  assert.equal(r.code, 3, r.stderr);
  const printed = JSON.parse(r.stdout) as ResultsFile;
  assert.deepEqual(printed, resultsOf(out));
  assert.equal(printed.note, 'loopback check');
  assert.equal(printed.expectations.length, 1);
  const [e] = printed.expectations;
  assert.deepEqual([e.label, e.figure, e.op, e.threshold, e.ok], ['TCP_RR local', 'transactions_per_sec', '>=', 1e12, false]);
  assert.equal(e.observed, printed.groups[0].figures.transactions_per_sec.mean);
  assert.ok(r.stderr.includes(`Expectations: 0 of 1 met\n  TCP_RR local  transactions_per_sec >= 1e12  ✗ `), r.stderr);
  assert.ok(r.stderr.includes(`Report: ${join(out, 'report.md')}`), r.stderr);
  assert.ok(existsSync(join(out, 'report.md')));
});

test('results.jsonl holds each run the moment it ends; Ctrl-C stops the current run, keeps it, and exits 130', async () => {
  const file = scenarioFile(
    'interrupt',
    ['name: interrupt', 'runs:', '  - { test: TCP_RR, duration: 1s }', '  - { test: TCP_STREAM, duration: 60s }'].join('\n'),
  );
  const out = join(scratch, 'interrupt-results');
  const child = spawn(process.execPath, [CLI, 'run', file, '--out', out], { env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  let whileSecondRuns: RunObject[] | null = null;
  let interrupted = false;
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const safety = setTimeout(() => child.kill('SIGKILL'), 50_000);
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    // The second run has started: the first must already be on disk.
    if (whileSecondRuns === null && stderr.includes('[2/2] TCP_STREAM local: 60s')) whileSecondRuns = runLog(out);
    if (!interrupted && /^\[2\/2\] TCP_STREAM local {2}0\.0-1\.0s/m.test(stderr)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  const code = await exit;
  clearTimeout(safety);
  assert.equal(code, 130, stderr);
  assert.deepEqual(
    (whileSecondRuns as RunObject[] | null)?.map((run) => [run.label, run.status]),
    [['TCP_RR local', 'ok']],
  );
  const log = runLog(out);
  assert.deepEqual(
    log.map((run) => [run.label, run.interrupted === true]),
    [
      ['TCP_RR local', false],
      ['TCP_STREAM local', true],
    ],
  );
  assert.ok(log[1].duration_s < 60, `the interrupted run stopped early (${log[1].duration_s}s)`);
  const results = resultsOf(out);
  assert.equal(results.interrupted, true);
  assert.equal(results.runs.length, 2);
  assert.ok(stderr.includes('interrupted: stopping the current run and writing what was measured (Ctrl-C again to quit at once)'));
  assert.ok(stdout.includes('2 runs: 1 ok, 1 interrupted; interrupted: the remaining runs did not run\n'), stdout);
});

test('the quickstart runs on a fresh machine and leaves a results folder whose results.json validates', async () => {
  const out = join(scratch, 'quickstart-results');
  const r = await runCli(['run', 'scenarios/quickstart.yaml', '--set', 'duration=1s', '--out', out], { cwd: ROOT });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const results = resultsOf(out);
  assert.deepEqual(
    results.runs.map((run) => [run.test, run.status, run.peer.embedded, run.params.duration_s]),
    [
      ['TCP_STREAM', 'ok', true, 1],
      ['UDP_STREAM', 'ok', true, 1],
      ['TCP_RR', 'ok', true, 1],
      ['UDP_RR', 'ok', true, 1],
    ],
  );
  assert.equal(runLog(out).length, 4);
  assert.equal(results.scenario.name, 'quickstart');
  assert.equal(results.scenario.file, 'scenarios/quickstart.yaml');
  assert.equal(results.scenario.text, readFileSync(join(ROOT, 'scenarios/quickstart.yaml'), 'utf8'));
  assert.deepEqual(
    results.groups.map((g) => g.label),
    ['TCP_STREAM local', 'UDP_STREAM local', 'TCP_RR local', 'UDP_RR local'],
  );
  assert.ok(r.stderr.startsWith('quickstart: 4 runs, about 4s of measuring\n'), r.stderr);
  // Without report.formats a scenario gets both reports.
  assert.ok(
    r.stdout.endsWith(
      `4 runs: 4 ok\nResults: ${join(out, 'results.json')}\nReport: ${join(out, 'report.html')}\nReport: ${join(out, 'report.md')}\n`,
    ),
    r.stdout,
  );
  assert.ok(existsSync(join(out, 'report.html')) && existsSync(join(out, 'report.md')));
});

test('--only picks runs by label and --quiet leaves stderr empty', async () => {
  const out = join(scratch, 'only-results');
  const r = await runCli(['run', 'scenarios/quickstart.yaml', '--only', 'tcp_rr', '--set', 'duration=1s', '--quiet', '--out', out], {
    cwd: ROOT,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(
    resultsOf(out).runs.map((run) => run.label),
    ['TCP_RR local'],
  );
});

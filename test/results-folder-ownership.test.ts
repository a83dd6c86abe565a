import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ResultsFile } from '../runner/core/results-file.js';
import { writeReport } from '../runner/report/render-report.js';
import { createResultsFolder, RunLog, writeResultsFile } from '../runner/scenario/results-folder.js';
import { readFixture } from './fixtures/results/load-fixture.js';
import { CLI } from './helpers/cli.js';

/**
 * Who owns a results folder (issue 17, items 4 and 5): two `bench run --out
 * same` at once both proceeded into one results.jsonl; --out overwrote an
 * existing report.*, and wrote through a report.md that was a symbolic link
 * to a file outside the folder.
 */
const scratch = mkdtempSync(join(tmpdir(), 'bench-folder-owner-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
function freshDir(): string {
  const dir = join(scratch, `d${++folders}`);
  mkdirSync(dir);
  return dir;
}

function usedMessage(dir: string, names: string): string {
  return `--out ${dir} already holds bench output (${names}): choose another --out, or remove ${names.includes(',') ? 'them' : 'it'} first`;
}

/** What bench run does to take its folder. */
async function claim(out: string): Promise<RunLog> {
  return RunLog.open(await createResultsFolder(out, 'x', new Date()));
}

test('two runs claiming the same empty --out at once: exactly one gets it, the other is refused naming the folder', async () => {
  for (let round = 0; round < 20; round++) {
    const out = join(scratch, `race-${round}`);
    const outcomes = await Promise.allSettled([claim(out), claim(out)]);
    const won = outcomes.filter((o): o is PromiseFulfilledResult<RunLog> => o.status === 'fulfilled');
    for (const w of won) await w.value.close();
    assert.equal(won.length, 1, `round ${round}: ${won.length} runs took ${out}`);
    const lost = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    assert.deepEqual(
      { code: lost?.reason?.code, message: lost?.reason?.message },
      { code: 'E_USAGE', message: usedMessage(out, 'results.jsonl') },
    );
  }
});

function benchRun(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('two bench run --out same started at once: one runs, the other exits 2 naming the folder', async () => {
  const scenario = join(scratch, 'one-run.yaml');
  writeFileSync(scenario, 'name: once\nreport: { formats: [md] }\nruns:\n  - { test: TCP_RR, duration: 1s }\n');
  // Three races, each on a folder of its own, run side by side: each pair's two processes still race for their folder.
  const outs = [0, 1, 2].map((pair) => join(scratch, `same-${pair}`));
  const pairs = await Promise.all(
    outs.map((out) =>
      Promise.all([benchRun(['run', scenario, '--out', out, '--quiet']), benchRun(['run', scenario, '--out', out, '--quiet'])]),
    ),
  );
  for (const [pair, both] of pairs.entries()) {
    const out = outs[pair];
    const codes = both.map((r) => r.code).sort();
    assert.deepEqual(codes, [0, 2], both.map((r) => r.stderr).join('\n'));
    const loser = both.find((r) => r.code === 2)!;
    // The loser may look before or after the winner's results.jsonl appears: either way, one line naming the folder.
    assert.equal(loser.stderr, `bench: ${usedMessage(out, 'results.jsonl')}\n`);
    assert.equal(readFileSync(join(out, 'results.jsonl'), 'utf8').trimEnd().split('\n').length, 1, 'one run in the log');
    assert.equal((JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile).runs.length, 1);
  }
});

test('--out holding any bench output is refused, reports and leftovers included, and left as it was', async () => {
  const cases: Array<[string, (dir: string) => void]> = [
    ['report.html', (d) => writeFileSync(join(d, 'report.html'), 'old report')],
    ['report.md', (d) => writeFileSync(join(d, 'report.md'), 'old report')],
    ['charts', (d) => mkdirSync(join(d, 'charts'))],
    ['results.json', (d) => writeFileSync(join(d, 'results.json'), '{}')],
    ['results.json.partial', (d) => writeFileSync(join(d, 'results.json.partial'), '')],
    ['.results.json.0123456789ab.tmp', (d) => writeFileSync(join(d, '.results.json.0123456789ab.tmp'), '')],
  ];
  for (const [name, make] of cases) {
    const dir = freshDir();
    make(dir);
    await assert.rejects(createResultsFolder(dir, 'x', new Date()), { code: 'E_USAGE', message: usedMessage(dir, name) }, name);
  }
  const two = freshDir();
  writeFileSync(join(two, 'report.md'), 'old');
  writeFileSync(join(two, 'notes.txt'), 'mine');
  mkdirSync(join(two, 'charts'));
  await assert.rejects(createResultsFolder(two, 'x', new Date()), { message: usedMessage(two, 'charts, report.md') });

  const scenario = join(scratch, 'never.yaml');
  writeFileSync(scenario, 'name: never\nruns:\n  - { test: TCP_RR, duration: 1s }\n');
  const dir = freshDir();
  writeFileSync(join(dir, 'report.html'), 'the report of last week');
  const r = await benchRun(['run', scenario, '--out', dir, '--quiet']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `bench: ${usedMessage(dir, 'report.html')}\n`);
  assert.deepEqual(readdirSync(dir), ['report.html']);
  assert.equal(readFileSync(join(dir, 'report.html'), 'utf8'), 'the report of last week');
});

test('a report.md or results.json that is a symbolic link out of the folder is replaced, never written through', async () => {
  const results = await readFixture('lab-baseline.json');
  const outside = freshDir();
  const target = join(outside, 'precious.md');
  writeFileSync(target, 'not yours');
  const dir = freshDir();
  symlinkSync(target, join(dir, 'report.md'));
  // A dangling link must not create its target either.
  symlinkSync(join(outside, 'created-through-link.json'), join(dir, 'results.json'));

  await writeReport(results, 'md', dir);
  await writeResultsFile(dir, results);

  assert.equal(readFileSync(target, 'utf8'), 'not yours');
  assert.deepEqual(readdirSync(outside), ['precious.md']);
  for (const name of ['report.md', 'results.json']) assert.ok(lstatSync(join(dir, name)).isFile(), `${name} is a file of its own now`);
  assert.match(readFileSync(join(dir, 'report.md'), 'utf8'), /^# /);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')), results);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith('.tmp')),
    [],
    'no temporary file left',
  );
});

test('a charts folder that is a symbolic link is refused, and nothing is written where it points', async () => {
  const results = await readFixture('lab-baseline.json');
  const outside = freshDir();
  const dir = freshDir();
  symlinkSync(outside, join(dir, 'charts'));
  await assert.rejects(writeReport(results, 'md', dir), {
    code: 'E_USAGE',
    message: `refusing to write the report's files into ${join(dir, 'charts')}: it is a symbolic link - remove it, or write the report elsewhere`,
  });
  assert.deepEqual(readdirSync(outside), []);
});

test('a results.jsonl that is a symbolic link is never opened: the folder is refused and the link target not created', async () => {
  const outside = freshDir();
  const dir = freshDir();
  symlinkSync(join(outside, 'log'), join(dir, 'results.jsonl'));
  await assert.rejects(RunLog.open(dir), { code: 'E_USAGE', message: usedMessage(dir, 'results.jsonl') });
  assert.equal(existsSync(join(outside, 'log')), false);
});

import assert from 'node:assert/strict';
import { access, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixturePath, readFixture, runCli, tempDir } from './fixtures/results/load-fixture.js';

/**
 * After a crash, results.jsonl is the only file a `bench run` folder holds;
 * bench report and bench compare read it (and a folder) wherever they read
 * a results.json.
 */
async function crashedFolder(root: string, cutLastLine: boolean): Promise<string> {
  const good = await readFixture('lab-baseline.json');
  const dir = join(root, 'lab-baseline-20250125T005512Z');
  await mkdir(dir, { recursive: true });
  const lines = good.runs.map((r) => `${JSON.stringify(r)}\n`).join('');
  // A crash while appending leaves the last line without its end.
  await writeFile(join(dir, 'results.jsonl'), cutLastLine ? `${lines}${JSON.stringify(good.runs[0]).slice(0, 100)}` : lines);
  return dir;
}

test('bench report renders a folder holding only results.jsonl, skipping a cut last line with a warning', async () => {
  const root = await tempDir('run-log');
  try {
    const dir = await crashedFolder(root, true);
    const log = join(dir, 'results.jsonl');
    const r = await runCli(['report', dir, '--format', 'md']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      `warning: ${log}:19: the last line is cut short (the run was stopped while writing it); skipped it, 18 complete runs read\n`,
    );
    assert.match(r.stdout, new RegExp(`^wrote ${join(dir, 'report.md').replace(/[.\\/]/g, '\\$&')} and \\d+ charts in `));
    const md = await readFile(join(dir, 'report.md'), 'utf8');
    assert.match(md, /^# lab-baseline\n/);
    assert.ok(md.includes(`Rebuilt from ${log} (18 runs): the run ended before writing results.json`), md.slice(0, 800));
    assert.match(md, /\| Runs \| 18 runs in 10 groups: 17 ok, 1 failed \|/);
    // Repeats are grouped by label, with the statistics results.json would have had.
    assert.match(md, /\| tcp-single \| TCP\\_STREAM \| 10\.20\.0\.2:7575 \| 10s, omit 1s, 64KiB writes \| 3 \/ 3 \|/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('bench report and compare take results.jsonl by name, and a folder by its results.json first', async () => {
  const root = await tempDir('run-log');
  try {
    const dir = await crashedFolder(root, false);
    const jsonl = await runCli(['compare', join(dir, 'results.jsonl'), join(dir, 'results.jsonl')]);
    assert.equal(jsonl.code, 0, jsonl.stderr);
    assert.equal(jsonl.stderr, '');
    assert.match(jsonl.stdout, /0 regressions, 0 improvements, .*\d+ unchanged across 10 matched runs\./);

    // With results.json beside it, a folder means its results.json: its peers have their scenario names.
    await copyFile(fixturePath('lab-baseline.json'), join(dir, 'results.json'));
    const folder = await runCli(['compare', fixturePath('lab-baseline.json'), dir]);
    assert.equal(folder.code, 0, folder.stderr);
    assert.match(folder.stdout, /across 10 matched runs\./);
    const report = await runCli(['report', dir]);
    assert.equal(report.code, 0, report.stderr);
    await access(join(dir, 'report.html'));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a folder without results and a results.jsonl with a bad line in the middle exit 2 saying where', async () => {
  const root = await tempDir('run-log');
  try {
    const empty = join(root, 'empty');
    await mkdir(empty);
    const none = await runCli(['report', empty]);
    assert.deepEqual(
      { code: none.code, stderr: none.stderr },
      {
        code: 2,
        stderr: `bench: cannot read results folder '${empty}': it holds neither results.json nor results.jsonl - pass a folder that bench run wrote, or its results.json\n`,
      },
    );

    const dir = await crashedFolder(root, false);
    const log = join(dir, 'results.jsonl');
    const lines = (await readFile(log, 'utf8')).split('\n');
    lines[4] = lines[4].replace('"status":"ok"', '"status":"done"');
    await writeFile(log, lines.join('\n'));
    const column = lines[4].indexOf('"done"') + 1;
    const bad = await runCli(['compare', log, log]);
    assert.deepEqual(
      { code: bad.code, stderr: bad.stderr },
      {
        code: 2,
        stderr: `bench: ${log}:5:${column}: not a valid results file: status should be 'ok' or 'failed', not "done" - pass the results.json that bench run wrote\n`,
      },
    );

    lines[2] = '{"id": ';
    await writeFile(log, lines.join('\n'));
    const cut = await runCli(['report', log]);
    assert.deepEqual(
      { code: cut.code, stderr: cut.stderr },
      {
        code: 2,
        stderr: `bench: ${log}:3:8: not a JSON line of results.jsonl - pass the results.json that bench run wrote or the results.jsonl beside it\n`,
      },
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

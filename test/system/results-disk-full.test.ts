import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { renderScenarioReports } from '../../runner/cli/commands/run-command.js';
import type { RunObject } from '../../runner/core/run-object.js';
import { writeReport } from '../../runner/report/render-report.js';
import { writeResultsFile } from '../../runner/scenario/results-folder.js';
import { readFixture } from '../fixtures/results/load-fixture.js';
import { runCli } from '../helpers/cli.js';

/**
 * A full or read-only disk under --out (issue 17, item 3): it was an
 * "internal error" with a stack trace, the last results.jsonl line was cut
 * at 4096 bytes with no newline, and a 0-byte results.json.partial or
 * report.html could be left. Real small tmpfs mounts: needs root (skipped
 * with the reason otherwise). Every mount is unmounted at the end.
 */
const PAGE = 4096;
const scratch = mkdtempSync(join(tmpdir(), 'bench-disk-full-'));
const mounts: string[] = [];
after(() => {
  for (const dir of mounts.reverse()) spawnSync('umount', ['-l', dir]);
  rmSync(scratch, { recursive: true, force: true });
});

const skip = tmpfsUnavailable();

function tmpfsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `tmpfs mounts need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0)
    return 'needs root to mount a small tmpfs (as root, chmod cannot make a folder read-only either); run the tests as root (CI does)';
  const probe = join(scratch, 'probe');
  mkdirSync(probe);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { encoding: 'utf8' });
  if (r.status !== 0)
    return `cannot mount a tmpfs ('mount -t tmpfs' said: ${(r.stderr || r.error?.message || '').trim()}); run as root with CAP_SYS_ADMIN`;
  spawnSync('umount', [probe]);
  return undefined;
}

let mountCount = 0;
/** A fresh 64 KiB tmpfs with `freeBytes` (whole pages) left free by a filler file. */
function smallDisk(freeBytes: number): string {
  const dir = join(scratch, `disk-${++mountCount}`);
  mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  mounts.push(dir);
  const { bavail, bsize } = statfsSync(dir);
  writeFileSync(join(dir, 'filler'), Buffer.alloc(bavail * bsize - freeBytes));
  assert.equal(statfsSync(dir).bavail * bsize, freeBytes);
  return dir;
}

function readOnly(dir: string): void {
  const r = spawnSync('mount', ['-o', 'remount,ro', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

test('a disk that fills mid-scenario: one line naming results.jsonl and the cause, exit 1, the log cut back to its last whole line', {
  skip,
}, async () => {
  // One page free: a TCP_RR run with five intervals (TCP_INFO in each) is about 3.3 KB, so the first line fits and the second cannot.
  const disk = smallDisk(PAGE);
  const scenario = join(scratch, 'two-runs.yaml');
  writeFileSync(
    scenario,
    'name: full\nruns:\n  - { test: TCP_RR, duration: 1s, interval: 0.2s, label: first }\n  - { test: TCP_RR, duration: 1s, interval: 0.2s, label: second }\n',
  );
  const out = join(disk, 'out');
  const r = await runCli(['run', scenario, '--out', out, '--quiet']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stderr,
    `bench: cannot write ${out}/results.jsonl: the disk is full (ENOSPC) - free some space or choose another --out (the runs before this one are in it, each on a whole line)\n`,
  );
  const log = readFileSync(join(out, 'results.jsonl'), 'utf8');
  assert.ok(log.endsWith('\n'), 'the log ends with a whole line');
  const lines = log.trimEnd().split('\n');
  assert.equal(lines.length, 1);
  const run = JSON.parse(lines[0]) as RunObject;
  assert.deepEqual([run.label, run.status], ['first', 'ok']);
  assert.ok(
    lines[0].length + 1 < PAGE && 2 * (lines[0].length + 1) > PAGE,
    `a line of ${lines[0].length + 1} bytes: the premise of this test`,
  );
  assert.deepEqual(readdirSync(out), ['results.jsonl'], 'nothing else, nothing empty');
});

test('results.json and the reports on a full disk: the error names the file and the cause, nothing half-written is left', {
  skip,
}, async () => {
  const results = await readFixture('lab-baseline.json');
  const disk = smallDisk(0);
  const dir = join(disk, 'out');
  mkdirSync(dir);
  await assert.rejects(writeResultsFile(dir, results), {
    code: 'E_WRITE',
    message: `cannot write ${dir}/results.json: the disk is full (ENOSPC) - free some space or choose another --out (every run measured is in ${dir}/results.jsonl)`,
  });
  await assert.rejects(writeReport(results, 'html', dir), {
    code: 'E_WRITE',
    message: `cannot write ${dir}/report.html: the disk is full (ENOSPC) - free some space or write the report elsewhere`,
  });
  const said: string[] = [];
  const reports = await renderScenarioReports(results, ['md'], dir, (line) => said.push(line));
  assert.deepEqual(reports, { written: [], failed: true });
  assert.deepEqual(said, [
    `warning: the md report failed (cannot write ${dir}/report.md: the disk is full (ENOSPC) - free some space or write the report elsewhere); results.json is complete: render it again with bench report ${dir}/results.json --format md`,
  ]);
  // charts/ is an empty folder made before report.md failed: no file in it, none beside it.
  assert.deepEqual(readdirSync(dir), []);
});

test('a read-only --out is refused before anything runs (exit 2), and a write to it names the file and the cause', { skip }, async () => {
  const disk = smallDisk(8 * PAGE);
  const existing = join(disk, 'existing');
  mkdirSync(existing);
  readOnly(disk);
  const scenario = join(scratch, 'one-run.yaml');
  writeFileSync(scenario, 'name: ro\nruns:\n  - { test: TCP_RR, duration: 1s }\n');

  const fresh = await runCli(['run', scenario, '--out', join(disk, 'new'), '--quiet']);
  assert.equal(fresh.code, 2);
  assert.equal(
    fresh.stderr,
    `bench: cannot create results folder ${disk}/new: the file system is read-only (EROFS) - choose another with --out\n`,
  );
  const there = await runCli(['run', scenario, '--out', existing, '--quiet']);
  assert.equal(there.code, 2);
  assert.equal(
    there.stderr,
    `bench: cannot create ${existing}/results.jsonl: the file system is read-only (EROFS) - choose another --out\n`,
  );

  const results = await readFixture('lab-baseline.json');
  await assert.rejects(writeResultsFile(existing, results), {
    code: 'E_WRITE',
    message: `cannot write ${existing}/results.json: the file system is read-only (EROFS) - choose another --out (every run measured is in ${existing}/results.jsonl)`,
  });
  await assert.rejects(writeReport(results, 'md', existing), {
    code: 'E_WRITE',
    message: `cannot write ${existing}/report.md: the file system is read-only (EROFS) - write the report elsewhere`,
  });
  assert.deepEqual(readdirSync(existing), []);
});

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { useColor } from '../runner/cli/color.js';
import { CLI, runCli, startServeProcess } from './helpers/cli.js';

/**
 * Issue 16: --no-color existed only on run, -o was refused by run and taken
 * by report, and FORCE_COLOR=0 left scenario progress coloured while the
 * tables beside it were not (cli-table3 asked @colors/colors, which reads
 * FORCE_COLOR its own way). Every printing command takes --no-color now, and
 * one decision (runner/cli/color.ts) colours everything.
 */
const dir = mkdtempSync(join(tmpdir(), 'bench-flags-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ESC = '\x1b';
/** Colour forced on, as a CI log that wants colour sets it; runCli's NO_COLOR=1 taken away. */
const FORCED = { NO_COLOR: undefined, FORCE_COLOR: '1' };

test('useColor: --no-color, then NO_COLOR, then FORCE_COLOR (0 and false are off), then TERM=dumb, then whether it is a terminal', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  const cases: Array<[string, { isTTY: boolean }, boolean | undefined, NodeJS.ProcessEnv, boolean]> = [
    ['a terminal', tty, undefined, {}, true],
    ['a pipe', pipe, undefined, {}, false],
    ['--no-color on a terminal', tty, false, { FORCE_COLOR: '1' }, false],
    ['NO_COLOR=1 on a terminal', tty, undefined, { NO_COLOR: '1' }, false],
    ['NO_COLOR empty is unset', tty, undefined, { NO_COLOR: '' }, true],
    ['NO_COLOR=1 beats FORCE_COLOR=1', pipe, undefined, { NO_COLOR: '1', FORCE_COLOR: '1' }, false],
    ['FORCE_COLOR=1 on a pipe', pipe, undefined, { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR empty on a pipe', pipe, undefined, { FORCE_COLOR: '' }, true],
    ['FORCE_COLOR=0 on a terminal', tty, undefined, { FORCE_COLOR: '0' }, false],
    ['FORCE_COLOR=false on a terminal', tty, undefined, { FORCE_COLOR: 'false' }, false],
    ['FORCE_COLOR=1 with TERM=dumb', pipe, undefined, { FORCE_COLOR: '1', TERM: 'dumb' }, true],
    ['TERM=dumb on a terminal', tty, undefined, { TERM: 'dumb' }, false],
  ];
  assert.deepEqual(
    cases.map(([what, stream, flag, env]) => [what, useColor(stream, flag, env)]),
    cases.map(([what, , , , expected]) => [what, expected]),
  );
});

test('bench test: FORCE_COLOR=1 colours the summary table; --no-color takes every colour away', async () => {
  const coloured = await runCli(['test', 'TCP_RR', '-t', '1s'], { env: FORCED });
  assert.equal(coloured.code, 0, coloured.stderr);
  assert.ok(coloured.stdout.includes(`${ESC}[36mfigure${ESC}[39m`), coloured.stdout);
  const plain = await runCli(['test', 'TCP_RR', '-t', '1s', '--no-color'], { env: FORCED });
  assert.equal(plain.code, 0, plain.stderr);
  assert.ok(!(plain.stdout + plain.stderr).includes(ESC), plain.stdout);
  assert.match(plain.stdout, /│ figure +│ value +│/);
});

test('run, validate, report, compare and serve all take --no-color, and print no colour with it, even with FORCE_COLOR=1', async () => {
  const scenario = join(dir, 'flags.yaml');
  writeFileSync(scenario, 'name: flags\nruns:\n  - { test: TCP_RR, duration: 1s }\n');
  const out = join(dir, 'out-flags');
  const commands = [
    ['run', scenario, '-o', out, '--no-color'],
    ['validate', scenario, '--no-color'],
    ['report', join(out, 'results.json'), '--format', 'md', '-o', join(dir, 'flags.md'), '--no-color'],
    ['compare', join(out, 'results.json'), join(out, 'results.json'), '--no-color'],
  ];
  for (const args of commands) {
    const r = await runCli(args, { env: FORCED });
    assert.deepEqual([args[0], r.code], [args[0], 0], r.stderr);
    assert.ok(!(r.stdout + r.stderr).includes(ESC), `bench ${args[0]} --no-color printed a colour code:\n${r.stdout}${r.stderr}`);
  }
  // -o put the results where it said.
  assert.ok(existsSync(join(out, 'results.json')));
  const serve = await startServeProcess(['--no-color']);
  await serve.stop();
  assert.ok(!serve.log().includes(ESC));
});

test('bench run -o is the results folder, as --out and --output are; two of its names at once are refused', async () => {
  const scenario = join(dir, 'out.yaml');
  writeFileSync(scenario, 'name: out\nruns:\n  - { test: TCP_RR, duration: 1s }\n');
  const out = join(dir, 'out-long');
  const r = await runCli(['run', scenario, '--output', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(
    r.stdout.endsWith(`Results: ${join(out, 'results.json')}\nReport: ${join(out, 'report.html')}\nReport: ${join(out, 'report.md')}\n`),
  );
  const both = await runCli(['run', scenario, '-o', join(dir, 'a'), '--out', join(dir, 'b')]);
  assert.equal(both.code, 2);
  assert.equal(both.stderr, 'bench: -o and --out are one option (-o, --output, --out <dir>): give it once\n');
  assert.equal(existsSync(join(dir, 'a')) || existsSync(join(dir, 'b')), false);
});

test("help: every printing command lists --no-color, without cac's misleading (default: true); run lists -o", async () => {
  for (const command of ['test', 'run', 'validate', 'report', 'compare', 'serve']) {
    const r = await runCli([command, '--help']);
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split('\n').find((l) => l.trimStart().startsWith('--no-color'));
    assert.ok(line, `bench ${command} --help lists --no-color:\n${r.stdout}`);
    assert.match(line, /--no-color +No colour in output \(also NO_COLOR=1; FORCE_COLOR=1 forces it\)$/);
  }
  const run = await runCli(['run', '--help']);
  assert.match(
    run.stdout,
    /\n {2}-o, --output, --out <dir> +Results folder; it must hold no bench output yet \(default: results\/<name>-<UTC timestamp>\)/,
  );
});

const hasScript = spawnSync('script', ['--version']).status === 0;

test('bench run in a terminal with FORCE_COLOR=0: no colour anywhere, progress lines and tables alike', {
  skip: hasScript ? false : 'util-linux script is not installed',
}, async () => {
  const scenario = join(dir, 'tty.yaml');
  writeFileSync(scenario, 'name: tty\nruns:\n  - { test: TCP_RR, duration: 1s }\n');
  const command = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} run ${JSON.stringify(scenario)} -o ${JSON.stringify(join(dir, 'out-tty'))}`;
  const text = await new Promise<string>((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '0', TERM: 'xterm' },
    });
    let seen = '';
    child.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(seen) : reject(new Error(`bench run exited ${code}:\n${seen}`))));
  });
  // The live line still rewrites itself (erase-line codes); colour codes are what must be absent.
  assert.deepEqual(text.match(/\x1b\[[0-9;]*m/g), null, text);
  assert.match(text, /\[1\/1\] TCP_RR local: ok {2}\d/);
});

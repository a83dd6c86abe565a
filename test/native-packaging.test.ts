import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * How the native data path is packaged and built: nothing prebuilt ships,
 * install never fails on a warning, and `npm test` without a compiler goes
 * on without the native tests while a compiler that fails stops it.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const buildScript = path.join(root, 'runner/native/build-native.mjs');

test('npm pack ships the C sources and no prebuilt .node file', () => {
  // --ignore-scripts: packing must not rebuild the tree other tests are running from.
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  assert.deepEqual(
    files.filter((f) => f.endsWith('.node')),
    [],
  );
  assert.ok(
    files.includes('runner/native/src/sockets.c') && files.includes('runner/native/build-native.mjs'),
    'the sources to build from ship',
  );
});

/**
 * Runs a copy of build-native.mjs, in a scratch tree so that the build under
 * test never touches this tree's addon, with a stand-in compiler that records
 * its arguments and exits with `exitCode`. `stale`: whether an addon from an
 * earlier build is still there afterwards.
 */
function buildWith(flags: string[], exitCode: number | 'missing'): { status: number | null; stderr: string; args: string; stale: boolean } {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-cc-'));
  try {
    const script = path.join(dir, 'runner/native/build-native.mjs');
    cpSync(path.join(root, 'runner/native/src'), path.join(dir, 'runner/native/src'), { recursive: true });
    cpSync(buildScript, script);
    const addon = path.join(dir, 'dist/runner/native/bench-io.node');
    mkdirSync(path.dirname(addon), { recursive: true });
    writeFileSync(addon, 'an addon of older sources');
    const cc = path.join(dir, 'cc');
    const argsFile = path.join(dir, 'args');
    writeFileSync(argsFile, '');
    if (exitCode !== 'missing') {
      writeFileSync(cc, `#!/bin/sh\necho "$@" > '${argsFile}'\nexit ${exitCode}\n`);
      chmodSync(cc, 0o755);
    }
    const r = spawnSync(process.execPath, [script, ...flags], { encoding: 'utf8', env: { ...process.env, CC: cc } });
    return { status: r.status, stderr: r.stderr, args: readFileSync(argsFile, 'utf8'), stale: existsSync(addon) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('install: warnings are not errors, and a failed build still installs (on the JavaScript data path)', () => {
  const ok = buildWith([], 0);
  assert.equal(ok.status, 0);
  assert.match(ok.args, /-Wall -Wextra /);
  assert.doesNotMatch(ok.args, /-Werror/);
  const failed = buildWith([], 1);
  assert.equal(failed.status, 0);
  assert.equal(failed.stale, false, 'a failed build leaves no addon of older sources for the loader');
  assert.match(failed.stderr, /native data path not built: '.*cc' failed .*\n {2}bench still works, on its slower JavaScript data path/);
});

test('--strict (npm test, npm run build): warnings are errors and a compiler that fails stops the command', () => {
  const ok = buildWith(['--strict'], 0);
  assert.equal(ok.status, 0);
  assert.match(ok.args, /-Werror/);
  const failed = buildWith(['--strict'], 1);
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /native data path not built: '.*cc' failed on runner\/native\/src \(exit 1\)/);
});

test('--strict without a C compiler goes on, saying the native tests will be skipped', () => {
  const r = buildWith(['--strict'], 'missing');
  assert.equal(r.status, 0);
  assert.match(r.stderr, /cannot run the C compiler '.*cc': spawnSync .*cc ENOENT\n {2}install one \(Debian: build-essential\) or set CC/);
  assert.match(r.stderr, /The native data path's tests will be skipped: they say so as they run\./);
});

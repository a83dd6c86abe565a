#!/usr/bin/env node
// Builds bench's native data path (runner/native/src/*.c) into
// dist/runner/native/bench-io.node with the C compiler and Node's own headers.
// Plain JavaScript so that it runs at install time, before TypeScript is built.
//
// At install (no flag) warnings stay warnings: a newer compiler's new warning
// must not move a user to the slower JavaScript data path. Whatever fails, it
// says so and exits 0: bench then runs on its JavaScript data path.
//
// --strict (npm test, npm run build): warnings are errors, and a compiler that
// fails the build fails the command, so a broken build is seen. Where no C
// compiler or no Node headers exist it says so and exits 0: the tests then run
// everything but the native data path's, which skip saying why.
//
// --sanitize=OUT: the same sources with AddressSanitizer and
// UndefinedBehaviorSanitizer into OUT (test/native-sanitizers.test.ts; load it
// with LD_PRELOAD of the compiler's libasan.so). Fails when it cannot build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sourceDir = path.join(root, 'runner', 'native', 'src');
const strict = process.argv.includes('--strict');
const sanitizeArg = process.argv.find((a) => a.startsWith('--sanitize='));
const output = sanitizeArg
  ? path.resolve(sanitizeArg.slice('--sanitize='.length))
  : path.join(root, 'dist', 'runner', 'native', 'bench-io.node');

/** No compiler or no headers: nothing to build with here. */
function cannotBuild(reason, fix) {
  const text = `bench: native data path not built: ${reason}\n  ${fix}\n  bench still works, on its slower JavaScript data path.`;
  if (sanitizeArg) fail(text);
  if (strict) {
    console.error(`${text}\n  The native data path's tests will be skipped: they say so as they run.`);
    process.exit(0);
  }
  console.warn(text);
  process.exit(0);
}

/** A compiler that ran and failed. */
function buildFailed(text) {
  if (strict || sanitizeArg) fail(text);
  console.warn(`${text}\n  bench still works, on its slower JavaScript data path.`);
  process.exit(0);
}

function fail(text) {
  console.error(text);
  process.exit(1);
}

// Node's headers: npm's nodedir setting, then the install prefix of this node.
const candidates = [process.env.npm_config_nodedir, path.resolve(path.dirname(process.execPath), '..')].filter(Boolean);
const includeDir = candidates.map((dir) => path.join(dir, 'include', 'node')).find((dir) => existsSync(path.join(dir, 'node_api.h')));
if (!includeDir) {
  cannotBuild(
    `Node's headers (node_api.h) not found under ${candidates.join(' or ')}`,
    'install them (Debian: nodejs-dev; official tarballs ship include/node) or set npm_config_nodedir',
  );
}

const compiler = process.env.CC || 'cc';
const sources = readdirSync(sourceDir)
  .filter((f) => f.endsWith('.c'))
  .sort()
  .map((f) => path.join(sourceDir, f));
mkdirSync(path.dirname(output), { recursive: true });
// A build that fails must not leave an addon of older sources behind for the loader to find.
rmSync(output, { force: true });
const warnings = ['-Wall', '-Wextra', ...(strict || sanitizeArg ? ['-Werror'] : [])];
const optimise = sanitizeArg
  ? ['-O1', '-g', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=all']
  : ['-O2'];
const args = [
  ...optimise,
  '-std=gnu11',
  ...warnings,
  '-fPIC',
  '-shared',
  '-fvisibility=hidden',
  `-I${includeDir}`,
  ...sources,
  '-o',
  output,
];
const result = spawnSync(compiler, args, { stdio: ['ignore', 'inherit', 'inherit'] });
if (result.error)
  cannotBuild(`cannot run the C compiler '${compiler}': ${result.error.message}`, 'install one (Debian: build-essential) or set CC');
if (result.status !== 0)
  buildFailed(
    `bench: native data path not built: '${compiler}' failed on ${path.relative(root, sourceDir)} (exit ${result.status}): see the compiler output above`,
  );

#!/usr/bin/env node
// Builds bench's native data path (runner/native/src/*.c) into
// dist/runner/native/bench-io.node with the C compiler and Node's own headers.
// Plain JavaScript so that it runs at install time, before TypeScript is built.
//
// Without a compiler or headers it says so and exits 0: bench then runs on its
// JavaScript data path, which works but is slower (docs/benchmark.md).
// `--strict` (used by `npm test`) fails instead, so a broken build is seen.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sourceDir = path.join(root, 'runner', 'native', 'src');
const outDir = path.join(root, 'dist', 'runner', 'native');
const output = path.join(outDir, 'bench-io.node');
const strict = process.argv.includes('--strict');

function giveUp(reason, fix) {
  const text = `bench: native data path not built: ${reason}\n  ${fix}\n  bench still works, on its slower JavaScript data path.`;
  if (strict) {
    console.error(text);
    process.exit(1);
  }
  console.warn(text);
  process.exit(0);
}

// Node's headers: npm's nodedir setting, then the install prefix of this node.
const candidates = [process.env.npm_config_nodedir, path.resolve(path.dirname(process.execPath), '..')].filter(Boolean);
const includeDir = candidates.map((dir) => path.join(dir, 'include', 'node')).find((dir) => existsSync(path.join(dir, 'node_api.h')));
if (!includeDir) {
  giveUp(`Node's headers (node_api.h) not found under ${candidates.join(' or ')}`, 'install them (Debian: nodejs-dev; official tarballs ship include/node) or set npm_config_nodedir');
}

const compiler = process.env.CC || 'cc';
const sources = readdirSync(sourceDir).filter((f) => f.endsWith('.c')).sort().map((f) => path.join(sourceDir, f));
mkdirSync(outDir, { recursive: true });
const args = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-fPIC', '-shared', '-fvisibility=hidden', `-I${includeDir}`, ...sources, '-o', output];
const result = spawnSync(compiler, args, { stdio: ['ignore', 'inherit', 'inherit'] });
if (result.error) giveUp(`cannot run the C compiler '${compiler}': ${result.error.message}`, 'install one (Debian: build-essential) or set CC');
if (result.status !== 0) giveUp(`'${compiler}' failed on ${path.relative(root, sourceDir)} (exit ${result.status})`, 'see the compiler output above');

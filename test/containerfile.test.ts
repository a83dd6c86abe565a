import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * No container engine runs here and no registry holds the base image, so the
 * image cannot be built in CI. What can be held is that it is built exactly as
 * CI builds and tests the project: the same steps, and files that exist.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const containerfile = readFileSync(join(root, 'Containerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[]; scripts: Record<string, string> };

interface Instruction {
  stage: number;
  keyword: string;
  args: string;
}

/** Instructions in order, continuation lines joined, comments dropped, each with its stage (0: build). */
function instructions(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  let stage = -1;
  return logical.map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    if (keyword.toUpperCase() === 'FROM') stage += 1;
    return { stage, keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
}

const all = instructions(containerfile);
const of = (keyword: string, stage?: number): Instruction[] =>
  all.filter((i) => i.keyword === keyword && (stage === undefined || i.stage === stage));

describe('Containerfile', () => {
  test('two stages, both on node:20-bookworm-slim', () => {
    assert.deepEqual(
      of('FROM').map((i) => i.args),
      ['node:20-bookworm-slim AS build', 'node:20-bookworm-slim'],
    );
  });

  test("its RUN steps are exactly the compiler and the README's install steps, in the build stage only", () => {
    assert.deepEqual(
      of('RUN').map((i) => [i.stage, i.args]),
      [
        [0, 'apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*'],
        [0, 'npm ci'],
        [0, 'npm run build'],
        [0, 'npm prune --omit=dev'],
      ],
    );
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    assert.match(readme, /\(`npm ci`, `npm run build`\)/, 'the README names the same install steps');
  });

  test('CI builds the same way before it tests: npm test starts with npm run build', () => {
    assert.ok(
      pkg.scripts.test.startsWith(`${pkg.scripts.build} && `),
      `npm test is '${pkg.scripts.test}', npm run build is '${pkg.scripts.build}'`,
    );
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    assert.match(ci, /^npm ci\nnpm test\n/m);
  });

  test('the build stage copies sources that exist; the runtime stage copies what npm pack ships, built', () => {
    for (const copy of of('COPY', 0)) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const source of sources) assert.ok(existsSync(join(root, source)), `COPY ${source}: no such file in the repository`);
    }
    const runtime = of('COPY', 1).map((i) => {
      const m = /^--from=build \/app\/(\S+) \.\/(\S+)$/.exec(i.args);
      assert.ok(m, `runtime COPY '${i.args}' is not '--from=build /app/X ./X'`);
      assert.equal(m[1], m[2], 'the runtime keeps the build layout, which package-paths.ts relies on');
      return m[1];
    });
    // Every entry of package.json "files" and the production dependencies; nothing else but package.json.
    assert.deepEqual([...runtime].sort(), [...pkg.files.filter((f) => !f.startsWith('!')), 'node_modules', 'package.json'].sort());
    // After `npm run build` (npm test runs it first), every runtime path exists, the native addon among them.
    for (const path of [...runtime.filter((p) => p !== 'node_modules'), 'dist/runner/native/bench-io.node', 'dist/runner/cli/main.js']) {
      assert.ok(existsSync(join(root, path)), `${path} does not exist after npm run build`);
    }
  });

  test('runs as a numeric non-root user, entrypoint bench', () => {
    const [user] = of('USER', 1);
    assert.match(user.args, /^[1-9]\d*:[1-9]\d*$/, 'a numeric UID:GID other than 0, so runAsNonRoot can check it');
    assert.deepEqual(JSON.parse(of('ENTRYPOINT', 1)[0].args), ['node', '/app/dist/runner/cli/main.js']);
    assert.equal(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.bench, 'dist/runner/cli/main.js');
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseScenario } from '../runner/scenario/load-scenario.js';
import { ScenarioError } from '../runner/scenario/scenario-error.js';
import { runCli } from './helpers/cli.js';

/** The package root, where `bench` is run from in these tests (test files live in dist/test/). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'bench-scenario-input-limits-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function problemsOf(file: string, text: string): string[] {
  try {
    parseScenario(file, text, { env: {} });
  } catch (err) {
    assert.ok(err instanceof ScenarioError, `expected a ScenarioError, got ${String(err)}`);
    return err.message.split('\n').slice(1);
  }
  assert.fail('the scenario was accepted');
}

/** Nine levels of nine aliases each: a 14-line file standing for 3.8 billion strings. */
function billionLaughs(): string {
  const lines = ['name: x', 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i <= 9; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
  lines.push('runs:', '  - {test: TCP_RR}');
  return `${lines.join('\n')}\n`;
}

test('a billion-laughs document is refused at the alias that unfolds too far, with exit 2, not a ReferenceError', async () => {
  const file = join(scratch, 'laughs.yaml');
  writeFileSync(file, billionLaughs());
  const r = await runCli(['validate', file], { cwd: ROOT });
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `bench: ${file} is not a valid scenario (1 problem, nothing was run):\n` +
      `${file}:7:10: the aliases in this file unfold into more than 100,000 values (each *alias copies the whole value it names): write the values out, or alias fewer nested values\n`,
  );
});

test('an undefined alias *nope is reported at its line and column, exit 2', async () => {
  const file = join(scratch, 'nope.yaml');
  writeFileSync(file, 'name: x\nruns:\n  - {test: TCP_RR, peer: *nope}\n');
  const r = await runCli(['validate', file], { cwd: ROOT });
  assert.equal(r.code, 2);
  assert.equal(r.stderr.split('\n')[1], `${file}:3:26: alias *nope has no anchor &nope before it: write &nope on a value above this line, or fix the name`);
});

test('an alias used before its anchor is undefined there, as YAML says', () => {
  assert.deepEqual(problemsOf('o.yaml', 'name: x\nruns:\n  - {test: TCP_RR, duration: *d}\n  - {test: TCP_RR, duration: &d 2s}\n'), [
    'o.yaml:3:30: alias *d has no anchor &d before it: write &d on a value above this line, or fix the name',
  ]);
});

test('a self-merge &a {<<: *a} is reported at the alias, exit 2, not a ReferenceError', async () => {
  const file = join(scratch, 'self.yaml');
  writeFileSync(file, 'name: x\nruns:\n  - &a {<<: *a}\n');
  const r = await runCli(['validate', file], { cwd: ROOT });
  assert.equal(r.code, 2);
  assert.equal(r.stderr.split('\n')[1], `${file}:3:13: alias *a is inside the value anchored &a, so that value would contain itself: point the alias at another value`);
  // The same through a list: the run contains itself one level down.
  assert.deepEqual(problemsOf('l.yaml', 'name: x\nruns: &r\n  - {test: TCP_RR, streams: *r}\n'), [
    'l.yaml:3:29: alias *r is inside the value anchored &r, so that value would contain itself: point the alias at another value',
  ]);
});

test('merging a value that is not a mapping is reported at the value, not thrown from the yaml package', () => {
  assert.deepEqual(problemsOf('m.yaml', 'name: x\nd: &d 5\nruns:\n  - {test: TCP_RR, <<: *d}\n  - {test: TCP_RR, <<: [*d]}\n  - {test: TCP_RR, <<: 7}\n'), [
    'm.yaml:4:24: << merges mappings: its value must be a mapping, an alias of one (<<: *defaults), or a list of those',
    'm.yaml:5:24: << merges mappings: its value must be a mapping, an alias of one (<<: *defaults), or a list of those',
    'm.yaml:6:24: << merges mappings: its value must be a mapping, an alias of one (<<: *defaults), or a list of those',
  ]);
});

test('aliases and merges that are fine still work: a run merged into another, an aliased sweep', () => {
  const s = parseScenario('ok.yaml', 'name: x\nruns:\n  - &base {test: TCP_RR, duration: 2s, request_size: &s [1, 64]}\n  - {<<: *base, label: b, response_size: *s}\n', { env: {} });
  assert.deepEqual(s.groups.map((g) => [g.label, g.params.duration_s, g.params.request_size_bytes, g.params.response_size_bytes]), [
    ['TCP_RR local request_size=1', 2, 1, 1],
    ['TCP_RR local request_size=64', 2, 64, 1],
    ['b request_size=1 response_size=1', 2, 1, 1],
    ['b request_size=1 response_size=64', 2, 1, 64],
    ['b request_size=64 response_size=1', 2, 64, 1],
    ['b request_size=64 response_size=64', 2, 64, 64],
  ]);
});

test('more than 1000 anchors and aliases are refused at the 1001st', () => {
  const lines = ['name: x', 'runs:', '  - &r0 {test: TCP_RR, label: r0}'];
  for (let i = 1; i <= 1000; i++) lines.push(`  - {<<: *r0, label: r${i}}`);
  assert.deepEqual(problemsOf('many.yaml', `${lines.join('\n')}\n`), [
    'many.yaml:1003:10: this file has more than 1000 anchors and aliases: a scenario needs far fewer; share settings with defaults: instead',
  ]);
});

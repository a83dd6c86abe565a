import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseScenario } from '../runner/scenario/load-scenario.js';
import { ScenarioError } from '../runner/scenario/scenario-problem.js';
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
  assert.equal(
    r.stderr.split('\n')[1],
    `${file}:3:26: alias *nope has no anchor &nope before it: write &nope on a value above this line, or fix the name`,
  );
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
  assert.equal(
    r.stderr.split('\n')[1],
    `${file}:3:13: alias *a is inside the value anchored &a, so that value would contain itself: point the alias at another value`,
  );
  // The same through a list: the run contains itself one level down.
  assert.deepEqual(problemsOf('l.yaml', 'name: x\nruns: &r\n  - {test: TCP_RR, streams: *r}\n'), [
    'l.yaml:3:29: alias *r is inside the value anchored &r, so that value would contain itself: point the alias at another value',
  ]);
});

test('merging a value that is not a mapping is reported at the value, not thrown from the yaml package', () => {
  assert.deepEqual(
    problemsOf('m.yaml', 'name: x\nd: &d 5\nruns:\n  - {test: TCP_RR, <<: *d}\n  - {test: TCP_RR, <<: [*d]}\n  - {test: TCP_RR, <<: 7}\n'),
    [
      'm.yaml:4:24: << merges mappings: its value must be a mapping, an alias of one (<<: *defaults), or a list of those',
      'm.yaml:5:24: << merges mappings: its value must be a mapping, an alias of one (<<: *defaults), or a list of those',
      'm.yaml:6:24: << merges mappings: its value must be a mapping, an alias of one (<<: *defaults), or a list of those',
    ],
  );
});

test('aliases and merges that are fine still work: a run merged into another, an aliased sweep', () => {
  const s = parseScenario(
    'ok.yaml',
    'name: x\nruns:\n  - &base {test: TCP_RR, duration: 2s, request_size: &s [1, 64]}\n  - {<<: *base, label: b, response_size: *s}\n',
    { env: {} },
  );
  assert.deepEqual(
    s.groups.map((g) => [g.label, g.params.duration_s, g.params.request_size_bytes, g.params.response_size_bytes]),
    [
      ['TCP_RR local request_size=1', 2, 1, 1],
      ['TCP_RR local request_size=64', 2, 64, 1],
      ['b request_size=1 response_size=1', 2, 1, 1],
      ['b request_size=1 response_size=64', 2, 1, 64],
      ['b request_size=64 response_size=1', 2, 64, 1],
      ['b request_size=64 response_size=64', 2, 64, 64],
    ],
  );
});

test('more than 1000 anchors and aliases are refused at the 1001st', () => {
  const lines = ['name: x', 'runs:', '  - &r0 {test: TCP_RR, label: r0}'];
  for (let i = 1; i <= 1000; i++) lines.push(`  - {<<: *r0, label: r${i}}`);
  assert.deepEqual(problemsOf('many.yaml', `${lines.join('\n')}\n`), [
    'many.yaml:1003:10: this file has more than 1000 anchors and aliases: a scenario needs far fewer; share settings with defaults: instead',
  ]);
});

const list = (n: number, value: (i: number) => string) => `[${Array.from({ length: n }, (_, i) => value(i)).join(', ')}]`;

test("a sweep of 10 million runs is refused from its count, with the count and the sweep's line:col, before any run is built", () => {
  const text = [
    'name: x',
    'runs:',
    '  - test: UDP_STREAM',
    `    rate: ${list(1000, (i) => `${i + 1}M`)}`,
    `    size: ${list(100, (i) => String(100 + i))}`,
    `    duration: ${list(100, (i) => `${i + 1}s`)}`,
  ].join('\n');
  assert.deepEqual(problemsOf('big.yaml', text), [
    'big.yaml:4:11: run 1 (UDP_STREAM) expands to 10,000,000 runs (rate: 1,000 values × size: 100 values × duration: 100 values), more than the 100,000 a scenario may hold: sweep fewer values, or split the sweep over several scenarios',
  ]);
});

test('a 1000 x 1000 sweep gives exit 2 and the count, not a RangeError from the call stack', async () => {
  const file = join(scratch, 'square.yaml');
  writeFileSync(
    file,
    `name: x\nruns:\n  - test: UDP_STREAM\n    size: ${list(1000, (i) => String(100 + i))}\n    rate: ${list(1000, (i) => `${i + 1}M`)}\n`,
  );
  const r = await runCli(['validate', file], { cwd: ROOT });
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr.split('\n')[1],
    `${file}:4:11: run 1 (UDP_STREAM) expands to 1,000,000 runs (size: 1,000 values × rate: 1,000 values), more than the 100,000 a scenario may hold: sweep fewer values, or split the sweep over several scenarios`,
  );
});

test('repeat counts toward the limit: alone, with a sweep from defaults, and summed over runs', () => {
  assert.deepEqual(problemsOf('r.yaml', 'name: x\nruns:\n  - {test: TCP_RR, repeat: 10000000}\n'), [
    'r.yaml:3:28: run 1 (TCP_RR) expands to 10,000,000 runs (repeat 10,000,000), more than the 100,000 a scenario may hold: sweep fewer values, or split the sweep over several scenarios',
  ]);
  assert.deepEqual(
    problemsOf('d.yaml', `name: x\ndefaults: {streams: ${list(100, (i) => String(i + 1))}}\nruns:\n  - {test: TCP_RR, repeat: 1001}\n`),
    [
      'd.yaml:2:21: run 1 (TCP_RR) expands to 100,100 runs (repeat 1,001 × streams: 100 values), more than the 100,000 a scenario may hold: sweep fewer values, or split the sweep over several scenarios',
    ],
  );
  assert.deepEqual(
    problemsOf(
      's.yaml',
      'name: x\nruns:\n  - {test: TCP_RR, repeat: 60000}\n  - {test: UDP_RR, repeat: 50000}\n  - {test: TCP_RR, label: z, repeat: 5}\n',
    ),
    [
      's.yaml:4:28: the runs of this scenario expand to 110,005 runs in all, more than the 100,000 a scenario may hold; run 2 passes the limit with 50,000: sweep fewer values, or split the runs over several scenarios',
    ],
  );
});

test('exactly 100,000 runs are accepted and listed', () => {
  const s = parseScenario('ok.yaml', 'name: x\nruns:\n  - {test: TCP_RR, repeat: 99999}\n  - {test: UDP_RR}\n', { env: {} });
  assert.equal(s.runs.length, 100_000);
  assert.equal(s.groups.length, 2);
});

test('100,000 unknown keys in one run: each reported once, at its line, with its suggestion', () => {
  const lines = ['name: x', 'runs:', '  - test: TCP_RR'];
  for (let i = 0; i < 100_000; i++) lines.push(`    k${i}: 1`);
  lines.push('    duraton: 1s');
  const problems = problemsOf('keys.yaml', `${lines.join('\n')}\n`);
  assert.equal(problems.length, 100_001);
  assert.match(problems[0], /^keys\.yaml:4:5: unknown key 'k0' in run 1: known keys are test, label, peer, /);
  assert.match(problems[99_999], /^keys\.yaml:100003:5: unknown key 'k99999' in run 1: known keys are /);
  assert.equal(problems[100_000], "keys.yaml:100004:5: unknown key 'duraton' in run 1: did you mean 'duration'?");
});

test('10,000 runs with a bad value each: 10,000 problems, one per run, none dropped or doubled', () => {
  const lines = ['name: x', 'runs:'];
  for (let i = 0; i < 10_000; i++) lines.push('  - {test: TCP_RR, streams: x}');
  const problems = problemsOf('bad.yaml', `${lines.join('\n')}\n`);
  assert.equal(problems.length, 10_000);
  assert.equal(new Set(problems).size, 10_000);
  assert.match(problems[9_999], /^bad\.yaml:10002:29: /);
});

test('!!binary, !!set and a %YAML 1.1 timestamp are read as plain YAML 1.2 values, not a Buffer, Set or Date checked as a mapping', () => {
  assert.deepEqual(problemsOf('b.yaml', 'name: x\nruns:\n  - !!binary aGk=\n'), [
    'b.yaml:3:14: run 1 must be a mapping, such as - { test: TCP_STREAM, duration: 10s }',
  ]);
  const problems = problemsOf('t.yaml', '%YAML 1.1\n---\nname: x\nruns:\n  - {test: TCP_RR, duration: 2026-01-01, label: !!set {a}}\n');
  assert.equal(problems.length, 2);
  assert.match(problems[0], /^t\.yaml:5:30: .*'2026-01-01'/);
  assert.equal(problems[1], 't.yaml:5:55: label must be text, such as label: baseline-1G');
});

test('a figure named like a number (expect: {1: 10s}) is explained once, in words, not also as a raw schema pattern', () => {
  const problems = problemsOf('n.yaml', 'name: x\nruns:\n  - {test: TCP_RR, expect: {1: 10s}}\n');
  assert.equal(problems.length, 2);
  assert.match(problems[0], /^n\.yaml:3:29: unknown figure '1'/);
  assert.equal(
    problems[1],
    'n.yaml:3:32: expectation \'10s\' for 1 is not a condition: write an operator and a number in quotes, such as ">= 900" (operators: <, <=, >, >=, ==)',
  );
});

test('runs the embedded server would refuse every time are invalid on peer: local, each blamed on its key', () => {
  const text = [
    'name: x',
    'runs:',
    '  - {test: TCP_STREAM, streams: 100}',
    '  - {test: TCP_STREAM, size: 100GiB}',
    '  - {test: TCP_RR, duration: 2h}',
    '  - {test: TCP_RR, peer: local, response_size: 17MiB}',
    '  - {test: TCP_STREAM, streams: 64, size: 16MiB, duration: 1h}',
  ].join('\n');
  assert.deepEqual(problemsOf('l.yaml', text), [
    'l.yaml:3:33: streams 100 is more than the embedded server (peer: local) allows: 64 streams, the bench serve default; use 64 or fewer, or run it against a peer started with bench serve --max-streams 100',
    'l.yaml:4:30: size 100GiB is more than the embedded server (peer: local) allows: 16MiB per message, the bench serve default; use 16MiB or less, or run it against a peer started with bench serve --max-size',
    'l.yaml:5:30: duration 2h is more than the embedded server (peer: local) allows: 1h per test, the bench serve default; use 1h or less, or run it against a peer started with bench serve --max-duration',
    'l.yaml:6:48: response_size 17MiB is more than the embedded server (peer: local) allows: 16MiB per message, the bench serve default; use 16MiB or less, or run it against a peer started with bench serve --max-size',
  ]);
});

test('a duration or timeout past the longest Node timer is refused for any peer, not left to fire at once', () => {
  const text =
    'name: x\npeers: {lab-b: {host: 10.0.0.2}}\nruns:\n  - {test: TCP_RR, peer: lab-b, duration: 9999999h}\n  - {test: TCP_RR, timeout: 700h}\n';
  assert.deepEqual(problemsOf('t.yaml', text), [
    "t.yaml:4:43: duration must be at most 168h, not '9999999h': longer timers overflow; split it into shorter runs",
    "t.yaml:5:29: timeout must be at most 168h, not '700h': longer timers overflow; split it into shorter runs",
  ]);
});

test('bench validate warns, once per peer and limit, when runs on a named peer exceed the default bench serve limits', async () => {
  const file = join(scratch, 'peer-limits.yaml');
  writeFileSync(
    file,
    [
      'name: x',
      'peers: {lab-b: {host: 10.0.0.2}}',
      'defaults: {peer: lab-b, duration: 5s}',
      'runs:',
      '  - {test: TCP_STREAM, streams: [1, 100, 120]}',
      '  - {test: TCP_STREAM, label: big, size: 100GiB}',
      '  - {test: TCP_RR, streams: 65}',
      '',
    ].join('\n'),
  );
  const r = await runCli(['validate', file], { cwd: ROOT });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stderr,
    [
      'warning: peer lab-b may refuse runs 1, 3: the default bench serve limit is 64 streams, and they ask for up to streams 120; start it with bench serve --max-streams 120',
      'warning: peer lab-b may refuse run 2: the default bench serve limit is 16MiB per message, and it asks for size 100GiB; start it with bench serve --max-size',
      '',
    ].join('\n'),
  );
});

test('schema problems in a long runs list keep their run number, and a top-level one is reported once', () => {
  const lines = ['name: x', 'extra: 1', 'runs:'];
  for (let i = 1; i <= 450; i++)
    lines.push(i === 450 || i === 201 ? `  - {test: TCP_RR, label: r${i}, bogus: 1}` : `  - {test: TCP_RR, label: r${i}}`);
  assert.deepEqual(problemsOf('long.yaml', `${lines.join('\n')}\n`), [
    "long.yaml:2:1: unknown top-level key 'extra': known keys are name, description, peers, defaults, runs and report",
    "long.yaml:204:33: unknown key 'bogus' in run 201: known keys are test, label, peer, to, from, duration, interval, omit, size, request_size, response_size, rate, streams, reverse, bidir, idle, direction, probe_interval, timeout, wait, repeat, pause, bind, dscp, congestion, mss, window, data_path, mesh, pairs, parallel and expect",
    "long.yaml:453:33: unknown key 'bogus' in run 450: known keys are test, label, peer, to, from, duration, interval, omit, size, request_size, response_size, rate, streams, reverse, bidir, idle, direction, probe_interval, timeout, wait, repeat, pause, bind, dscp, congestion, mss, window, data_path, mesh, pairs, parallel and expect",
  ]);
});

test('the streams limit counts the data connections a run opens: RRUL each way and its probe flow, bidir twice', () => {
  const text = [
    'name: x',
    'runs:',
    '  - {test: RRUL, streams: 40}',
    '  - {test: RRUL, streams: 64, direction: up}',
    '  - {test: TCP_STREAM, streams: 40, bidir: true}',
    '  - {test: RRUL, streams: 31}',
    '  - {test: UDP_STREAM, streams: 32, bidir: true}',
  ].join('\n');
  assert.deepEqual(problemsOf('l.yaml', text), [
    'l.yaml:3:27: streams 40 (81 data connections, with RRUL direction both) is more than the embedded server (peer: local) allows: 64 data connections, the bench serve default; use 31 or fewer, or run it against a peer started with bench serve --max-streams 81',
    'l.yaml:4:27: streams 64 (65 data connections, with RRUL direction up) is more than the embedded server (peer: local) allows: 64 data connections, the bench serve default; use 63 or fewer, or run it against a peer started with bench serve --max-streams 65',
    'l.yaml:5:33: streams 40 (80 data connections with bidir) is more than the embedded server (peer: local) allows: 64 data connections, the bench serve default; use 32 or fewer, or run it against a peer started with bench serve --max-streams 80',
  ]);
});

import fc from 'fast-check';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseScenario } from '../runner/scenario/load-scenario.js';
import { ScenarioError } from '../runner/scenario/scenario-problem.js';
import { runCli } from './helpers/cli.js';

/** The package root, where `bench` is run from in these tests (test files live in dist/test/). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = 'test/fixtures/scenarios';
const scratch = mkdtempSync(join(tmpdir(), 'bench-scenario-validation-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function problemsOf(file: string, text: string, options: Parameters<typeof parseScenario>[2] = {}): string[] {
  try {
    parseScenario(file, text, { env: {}, ...options });
  } catch (err) {
    assert.ok(err instanceof ScenarioError, `expected a ScenarioError, got ${String(err)}`);
    assert.equal(err.code, 'E_SCENARIO');
    return err.message.split('\n').slice(1);
  }
  assert.fail('the scenario was accepted');
}

const THREE_MISTAKES = [
  `${FIXTURES}/three-mistakes.yaml:7:5: unknown key 'duraton' in run 1: did you mean 'duration'?`,
  `${FIXTURES}/three-mistakes.yaml:9:11: invalid rate '100x': write bits per second, such as 100M, 1G or 500k (0 for unpaced)`,
  `${FIXTURES}/three-mistakes.yaml:11:11: peer 'lab-c' is not defined under peers: did you mean 'lab-b'?`,
];

test('three mistakes in three runs are all reported, each at its line and column, by bench validate', async () => {
  const r = await runCli(['validate', `${FIXTURES}/three-mistakes.yaml`], { cwd: ROOT });
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    [`bench: ${FIXTURES}/three-mistakes.yaml is not a valid scenario (3 problems, nothing was run):`, ...THREE_MISTAKES, ''].join('\n'),
  );
});

test('bench run refuses the same file before any test starts: exit 2, no results folder', async () => {
  const out = join(scratch, 'never-created');
  const r = await runCli(['run', `${FIXTURES}/three-mistakes.yaml`, '--out', out], { cwd: ROOT });
  assert.equal(r.code, 2);
  assert.deepEqual(r.stderr.split('\n').slice(1, 4), THREE_MISTAKES);
  assert.ok(!r.stderr.includes('[1/'), 'no run started');
  assert.equal(existsSync(out), false);
});

test('every kind of mistake is explained in words, in file order, without raw schema paths', () => {
  const file = `${FIXTURES}/many-mistakes.yaml`;
  const problems = problemsOf(file, readFileSync(join(ROOT, file), 'utf8'));
  assert.deepEqual(problems, [
    `${file}:3:1: unknown top-level key 'peer': did you mean 'peers'?`,
    `${file}:5:19: environment variable LAB_B_HOST is not set: set it (export LAB_B_HOST=...), or give a default as \${LAB_B_HOST:-value}`,
    `${file}:8:11: unknown test 'TCP_STREEM': did you mean 'TCP_STREAM'?`,
    `${file}:10:14: timeout cannot sweep: only duration, size, request_size, response_size, rate, streams, reverse, bidir, direction, probe_interval, dscp, congestion, mss and window take a list; give one value`,
    `${file}:11:5: rate does not apply to TCP_STREAM (only to UDP_STREAM): remove it from this run`,
    `${file}:13:15: TCP_STREAM does not produce latency_us.p99: its figures are throughput_mbps, upload_mbps, download_mbps, sender_mbps, rtt_ms, rttvar_ms, cwnd_bytes, retransmits, pmtu, snd_mss_bytes, rcv_mss_bytes, bytes_sent and bytes_received`,
    `${file}:13:59: expectation 'fast' for throughput_mbps is not a condition: write an operator and a number in quotes, such as ">= 900" (operators: <, <=, >, >=, ==)`,
    `${file}:15:11: size must be at most 65507 bytes, not 64KiB: larger does not fit in one UDP datagram`,
    `${file}:17:15: duration 2s is shorter than one interval (5s): make duration at least the interval, or shorten interval`,
    `${file}:18:27: unknown report format "pdf": formats are html, md, junit, csv, openmetrics`,
  ]);
});

test('YAML syntax errors are reported alone, with positions, since the data past them is a guess', () => {
  const file = `${FIXTURES}/syntax-error.yaml`;
  assert.deepEqual(problemsOf(file, readFileSync(join(ROOT, file), 'utf8')), [
    `${file}:5:5: duplicate key 'duration': each key may appear only once in a mapping; remove one of them`,
    `${file}:7:1: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }`,
  ]);
});

test('missing keys, wrong shapes and misspelt keys in each part of the file', () => {
  const text = [
    'description: 5', //                                   1
    'peers:', //                                           2
    '  local: { host: 127.0.0.1 }', //                     3
    '  lab-b: { port: 99999, hots: x }', //                4
    'defaults: { test: TCP_RR, repeat: 0, rate: [] }', //  5
    'runs:', //                                            6
    '  - duration: 2s', //                                 7
    '  - test: udp_rr', //                                 8
    '    label: ""', //                                    9
    '    expect: { throughput_mbs: ">1" }', //             10
  ].join('\n');
  assert.deepEqual(problemsOf('s.yaml', text), [
    's.yaml:1:1: the scenario has no name: add one, such as name: lab-baseline (it names the results folder)',
    's.yaml:1:14: description must be text',
    "s.yaml:3:3: 'local' is reserved for the embedded loopback server: give this peer another name",
    "s.yaml:4:10: peer 'lab-b' has no host: add host: with the address of the machine running bench serve",
    's.yaml:4:18: port must be a whole number from 1 to 65535, not 99999',
    "s.yaml:4:25: unknown key 'hots' in peer 'lab-b': did you mean 'host'?",
    's.yaml:5:13: test cannot be a default: give it in each run',
    's.yaml:5:35: repeat must be at least 1, not 0',
    's.yaml:5:44: an empty list sweeps nothing: give rate at least one value',
    's.yaml:7:5: run 1 has no test: add test: with one of TCP_STREAM, UDP_STREAM, TCP_RR, UDP_RR, TCP_CRR or RRUL',
    "s.yaml:8:11: unknown test 'udp_rr': did you mean 'UDP_RR'?",
    's.yaml:9:12: label must be text, such as label: baseline-1G',
    // The test is unknown, so the figure is checked against every test's.
    "s.yaml:10:15: unknown figure 'throughput_mbs': did you mean 'throughput_mbps'?",
  ]);
});

test('an empty file, a list at the top, and an empty runs list', () => {
  assert.deepEqual(problemsOf('e.yaml', ''), ['e.yaml:1:1: the file is empty: a scenario needs at least name: and runs:']);
  assert.deepEqual(problemsOf('l.yaml', '- test: TCP_STREAM\n'), [
    'l.yaml:1:1: the top level must be a mapping with name: and runs:, not a list or a single value',
  ]);
  assert.deepEqual(problemsOf('r.yaml', 'name: x\nruns: []\n'), [
    'r.yaml:2:7: runs is empty: add at least one run, such as - test: TCP_STREAM',
  ]);
});

test('sweep lists: repeated values, nested lists, bad elements pointed at one by one', () => {
  const text = 'name: x\nruns:\n  - test: UDP_STREAM\n    rate: [100M, 1G, 100000000, [1]]\n    size: [1472, 64K]\n';
  assert.deepEqual(problemsOf('w.yaml', text), [
    'w.yaml:4:22: the sweep over rate lists 100M and 100000000, the same value: list each value once (repeat: runs a value more than once)',
    'w.yaml:4:33: a sweep list holds single values, not lists: write rate: [a, b, c]',
    "w.yaml:5:18: ambiguous size '64K': write 64KiB (65536 bytes) or 64kB (64000 bytes)",
  ]);
});

test('--set mistakes name the --set they came from; a bad value from --set is blamed on it', () => {
  const text = 'name: x\nruns:\n  - test: TCP_STREAM\n    duration: 5s\n';
  assert.deepEqual(problemsOf('x.yaml', text, { set: ['duraton=1s', 'streams', 'label=a', 'peer=lab-z', 'omit=10s'] }), [
    "--set duraton=1s: unknown key 'duraton': did you mean 'duration'?",
    '--set streams: write key=value, such as --set duration=1s',
    '--set label=a: label cannot be set for every run: --set takes peer, to, from, duration, interval, omit, size, request_size, response_size, rate, streams, reverse, bidir, idle, direction, probe_interval, timeout, wait, repeat, pause, bind, dscp, congestion, mss, window or data_path',
    "--set peer=lab-z: peer 'lab-z' is not defined: add it under peers: with its host, or use 'local' for the embedded server",
    '--set omit=10s: run 1 (TCP_STREAM): omit 10s leaves nothing to measure in a 5s run: make omit shorter than duration',
  ]);
});

test('when only --set is wrong, the first line says so rather than blaming the file', () => {
  assert.throws(() => parseScenario('ok.yaml', 'name: x\nruns:\n  - test: TCP_RR\n', { env: {}, set: 'streams=0' }), {
    code: 'E_SCENARIO',
    message: '--set does not fit ok.yaml (1 problem, nothing was run):\n--set streams=0: streams must be at least 1, not 0',
  });
});

test('two runs given the same label are refused; generated labels that clash get the run number', () => {
  const clash = 'name: x\nruns:\n  - { test: TCP_RR, label: rr }\n  - { test: UDP_RR, label: rr }\n';
  assert.deepEqual(problemsOf('c.yaml', clash), [
    "c.yaml:4:28: label 'rr' is also used by run 1: labels name result groups, so give each run its own",
  ]);
  const generated = parseScenario('g.yaml', 'name: x\nruns:\n  - { test: TCP_RR, duration: 2s }\n  - { test: TCP_RR, duration: 4s }\n', {
    env: {},
  });
  assert.deepEqual(
    generated.groups.map((g) => g.label),
    ['TCP_RR local #1', 'TCP_RR local #2'],
  );
});

test('a token_file is resolved against the scenario folder and must exist', () => {
  const text = 'name: x\npeers:\n  b: { host: 127.0.0.1, token_file: missing.token }\nruns:\n  - { test: TCP_RR, peer: b }\n';
  assert.deepEqual(problemsOf('/lab/s.yaml', text), [
    "/lab/s.yaml:3:37: token_file /lab/missing.token does not exist: create it with the secret bench serve was given, or fix the path (relative paths start at the scenario's folder)",
  ]);
});

test('any document at all: either a scenario or ScenarioError sentences, never a crash or a raw schema message', () => {
  const keys = [
    'peer',
    'duration',
    'interval',
    'omit',
    'size',
    'request_size',
    'response_size',
    'rate',
    'streams',
    'reverse',
    'timeout',
    'wait',
    'repeat',
    'pause',
    'label',
    'test',
    'expect',
    'bogus',
  ];
  const value = fc.oneof(
    fc.constantFrom(
      '10s',
      '500ms',
      '1472',
      '64KiB',
      '64K',
      '100M',
      '1G',
      '1.5Gbit',
      '0',
      '4',
      '-1',
      'abc',
      'local',
      'lab-b',
      'TCP_RR',
      'UDP_STREAM',
      ' 10 s',
      '1 Gbit/s',
      '',
    ),
    fc.integer({ min: -2, max: 70000 }),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.constantFrom('1s', '2', 3, true, 'x', 100, '1G'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('throughput_mbps', 'latency_us.p99', 'x'), fc.constantFrom('>= 1', '<2', 'bad', 5)),
  );
  const run = fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 4 });
  const scenario = fc.record(
    {
      name: fc.constantFrom('x', '', 5),
      peers: fc.constantFrom(undefined, { 'lab-b': { host: 'h' } }, { 'lab-b': { host: 'h', port: '99' } }, { local: { host: 'h' } }, 'x'),
      defaults: fc.option(run, { nil: undefined }),
      runs: fc.array(run, { maxLength: 3 }),
    },
    { requiredKeys: ['name', 'runs'] },
  );
  // Phrases of ajv's own messages, which a user must never see.
  const raw =
    /must match pattern|must be equal to|must NOT have|must have required|must match a schema|must be (number|string|integer|boolean|object|array|null)\b|property name must be valid|must be [<>]=/;
  fc.assert(
    fc.property(scenario, (data) => {
      try {
        parseScenario('f.yaml', stringify(JSON.parse(JSON.stringify(data)) as unknown), { env: {} });
      } catch (err) {
        assert.ok(err instanceof ScenarioError, String(err));
        for (const p of err.problems) assert.doesNotMatch(p.message, raw);
      }
    }),
    { numRuns: 800, seed: 42 },
  );
});

test('an invalid run before two runs sharing a label: both problems reported, no TypeError (issue 16)', async () => {
  const text = 'name: x\nruns:\n  - {test: TCP_RR, duration: 0s}\n  - {test: TCP_RR, label: d}\n  - {test: TCP_RR, label: d}\n';
  const problems = problemsOf('t.yaml', text);
  assert.equal(problems.length, 2);
  assert.match(problems[0], /^t\.yaml:3:30: duration /);
  assert.equal(problems[1], "t.yaml:5:27: label 'd' is also used by run 2: labels name result groups, so give each run its own");
  const file = join(scratch, 't.yaml');
  writeFileSync(file, text);
  const r = await runCli(['validate', file], { cwd: ROOT });
  assert.equal(r.code, 2);
  assert.doesNotMatch(r.stderr, /internal error/);
});

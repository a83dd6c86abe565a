import fc from 'fast-check';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScenario } from '../runner/scenario/load-scenario.js';
import { ScenarioError } from '../runner/scenario/scenario-problem.js';

/**
 * `bench validate` calls parseScenario (through loadScenario): whatever the
 * file holds, it must give a plan or ScenarioError problems, each at
 * FILE:LINE:COL (or a --set), never another exception. The generators
 * write YAML text, not data, so that anchors, aliases, merges, duplicate
 * keys, flow and block styles and broken syntax are all reached.
 */

const KEYS = [
  'test',
  'label',
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
  'expect',
  'duraton',
  'bogus',
  '<<',
  '__proto__',
  'constructor',
  '"quoted key"',
  '? [a]',
  '1',
];

const SCALARS = [
  '10s',
  '500ms',
  '0s',
  '-1s',
  '9999999h',
  '700h',
  '1472',
  '64KiB',
  '64K',
  '100GiB',
  '100M',
  '1G',
  '0',
  '4',
  '100',
  '129',
  '-1',
  '1e400',
  'abc',
  'local',
  'lab-b',
  'lab-c',
  'TCP_RR',
  'UDP_STREAM',
  'TCP_STREAM',
  'UDP_RR',
  'tcp_rr',
  'true',
  'false',
  'null',
  '~',
  '.inf',
  '.nan',
  '0x10',
  '""',
  "''",
  '"${X}"',
  '${X}',
  '${X:-2s}',
  '${UNSET}',
  '${UNSET:-}',
  '${',
  '$${X}',
  '${1BAD}',
  '"a\\tb"',
  '!!str 5',
  '!!binary aGk=',
  '!foo x',
  '2026-01-01',
  '">= 900"',
  '"<2"',
  'bad',
  '*r0',
  '*d',
  '*nope',
  '&d 5',
  '&d [1, 2]',
  '&d {duration: 2s}',
  '[]',
  '{}',
  '[1, 2, 2]',
  '[100M, 1G, 100000000]',
  '[[1]]',
  '[{a: 1}]',
  '[1s, 2s, *d]',
  '{throughput_mbps: ">= 1", latency_us.p99: "<2", x: 5}',
  '{<<: *d}',
  '[*r0]',
];

const key = fc.constantFrom(...KEYS);
const scalar = fc.constantFrom(...SCALARS);
const flowMap = (entries: number) =>
  fc.array(fc.tuple(key, scalar), { maxLength: entries }).map((es) => `{${es.map(([k, v]) => `${k}: ${v}`).join(', ')}}`);
const anchor = fc.constantFrom('', '', '&r0 ', '&r1 ', '&d ');

const run = fc.oneof(
  fc.tuple(anchor, flowMap(5)).map(([a, m]) => `  - ${a}${m}`),
  // Block style, one key a line.
  fc
    .tuple(anchor, fc.array(fc.tuple(key, scalar), { minLength: 1, maxLength: 5 }))
    .map(([a, es]) => [`  - ${a}`.trimEnd(), ...es.map(([k, v]) => `    ${k}: ${v}`)].join('\n')),
  scalar.map((v) => `  - ${v}`),
  fc.constant('  - {test: TCP_RR, label: d}'),
  fc.constant('  - {test: TCP_RR, duration: 0s}'),
  fc.constant('  - {test: UDP_STREAM, rate: [1M, 2M], size: [100, 200], repeat: 3}'),
);

const document = fc.record({
  name: fc.constantFrom('name: x', 'name: ""', 'name: 5', 'name: *d', '', 'name: [a]'),
  peers: fc.constantFrom(
    '',
    'peers: {lab-b: {host: h}}',
    'peers: {lab-b: {host: h, port: "99"}, local: {host: h}}',
    'peers: x',
    'peers: {lab-b: &p {host: h}, lab-c: *p}',
    'peers: {"bad name": {host: h}}',
  ),
  defaults: fc.oneof(
    fc.constant(''),
    flowMap(4).map((m) => `defaults: &d ${m}`),
    flowMap(4).map((m) => `defaults: ${m}`),
  ),
  runs: fc.oneof(
    fc.array(run, { maxLength: 5 }).map((rs) => (rs.length === 0 ? 'runs: []' : `runs:\n${rs.join('\n')}`)),
    scalar.map((v) => `runs: ${v}`),
    fc.constant(''),
  ),
  report: fc.constantFrom('', 'report: {formats: [html, pdf, html], title: T}', 'report: {title: ""}', 'report: x', 'report: {formats: x}'),
  extra: fc.constantFrom('', 'duraton: 1s', 'name: y', '- x', '  bad indent: 1', 'runs: *d', '%YAML 1.1', '---\nname: z', 'x: &a {<<: *a}'),
});

const sets = fc.array(
  fc.constantFrom(
    'duration=1s',
    'streams=[1,4]',
    'streams=0',
    'peer=lab-b',
    'peer=lab-z',
    'label=a',
    'duraton=1s',
    'x',
    'rate=*a',
    'repeat=200000',
    'omit=99s',
  ),
  { maxLength: 3 },
);

/** Phrases of ajv's own messages, which a user must never see. */
const RAW =
  /must match pattern|must be equal to|must NOT have|must have required|must match a schema|must be (number|string|integer|boolean|object|array|null)\b|property name must be valid/;

function checkOne(text: string, set: string[]): void {
  try {
    parseScenario('f.yaml', text, { env: { X: '5', EMPTY: '' }, set });
  } catch (err) {
    if (!(err instanceof ScenarioError)) {
      assert.fail(
        `not a ScenarioError: ${err instanceof Error ? err.stack : String(err)}\n--- file ---\n${text}\n--- set: ${JSON.stringify(set)}`,
      );
    }
    assert.ok(err.problems.length > 0, 'a ScenarioError with no problem');
    for (const p of err.problems) {
      if (p.where.startsWith('--set ')) continue;
      const m = /^f\.yaml:(\d+):(\d+)$/.exec(p.where);
      assert.ok(m, `not FILE:LINE:COL: ${p.where}`);
      assert.ok(Number(m[1]) >= 1 && Number(m[2]) >= 1, p.where);
      assert.ok(p.message.trim() !== '', `an empty message at ${p.where}`);
      assert.doesNotMatch(p.message, RAW);
    }
  }
}

test('fuzz: scenario text of every shape gives a plan or located problems, never another exception', () => {
  fc.assert(
    fc.property(document, sets, (d, set) => {
      const text = [d.name, d.peers, d.defaults, d.runs, d.report, d.extra].filter((l) => l !== '').join('\n');
      checkOne(`${text}\n`, set);
    }),
    { numRuns: 3000, seed: 1716 },
  );
});

test('fuzz: any text at all, including control characters and broken YAML', () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 200, unit: fc.constantFrom(...'name: x\nruns:- {}[],&*<>!|"\'#%$@`\t\r\\-?0123456789TCP_RR'.split('')) }),
      (text) => {
        checkOne(text, []);
      },
    ),
    { numRuns: 3000, seed: 1717 },
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultParams } from '../runner/core/params.js';
import { expand } from '../runner/scenario/env-substitution.js';
import { parseScenario } from '../runner/scenario/load-scenario.js';
import { filterGroups } from '../runner/scenario/only-filter.js';
import { ScenarioError } from '../runner/scenario/scenario-problem.js';

function load(text: string, options: { env?: NodeJS.ProcessEnv; set?: unknown } = {}) {
  return parseScenario('t.yaml', text, { env: {}, ...options });
}

test('two lists cross, the key written first varying slowest; each point repeats back to back', () => {
  const s = load(
    ['name: sweep', 'runs:', '  - test: UDP_STREAM', '    rate: [100M, 1G]', '    size: [1472, 512]', '    repeat: 2'].join('\n'),
  );
  assert.deepEqual(
    s.groups.map((g) => g.label),
    [
      'UDP_STREAM local rate=100M size=1472',
      'UDP_STREAM local rate=100M size=512',
      'UDP_STREAM local rate=1G size=1472',
      'UDP_STREAM local rate=1G size=512',
    ],
  );
  assert.deepEqual(
    s.groups.map((g) => [g.params.rate_bps, g.params.size_bytes]),
    [
      [100e6, 1472],
      [100e6, 512],
      [1e9, 1472],
      [1e9, 512],
    ],
  );
  assert.deepEqual(s.groups[1].sweep, { rate: '100M', size: 512 });
  assert.deepEqual(
    s.runs.map((r) => `${r.group.label}#${r.repeat_index}`),
    [
      'UDP_STREAM local rate=100M size=1472#0',
      'UDP_STREAM local rate=100M size=1472#1',
      'UDP_STREAM local rate=100M size=512#0',
      'UDP_STREAM local rate=100M size=512#1',
      'UDP_STREAM local rate=1G size=1472#0',
      'UDP_STREAM local rate=1G size=1472#1',
      'UDP_STREAM local rate=1G size=512#0',
      'UDP_STREAM local rate=1G size=512#1',
    ],
  );
});

test('runs keep file order; a sweep in defaults applies to every run it fits; labels carry the swept values', () => {
  const s = load(
    [
      'name: order',
      'defaults: { streams: [1, 4], repeat: 3 }',
      'runs:',
      '  - { test: TCP_STREAM, label: up }',
      '  - { test: TCP_RR, repeat: 1 }',
    ].join('\n'),
  );
  assert.deepEqual(
    s.groups.map((g) => [g.label, g.scenario_index, g.params.streams, g.repeat]),
    [
      ['up streams=1', 0, 1, 3],
      ['up streams=4', 0, 4, 3],
      ['TCP_RR local streams=1', 1, 1, 1],
      ['TCP_RR local streams=4', 1, 4, 1],
    ],
  );
  assert.equal(s.runs.length, 3 + 3 + 1 + 1);
});

test("precedence: built-in defaults < scenario defaults < the run's keys < --set", () => {
  const text = [
    'name: precedence',
    'defaults: { duration: 5s, interval: 500ms, omit: 1s }',
    'runs:',
    '  - { test: TCP_STREAM, duration: 8s }',
    '  - { test: UDP_STREAM }',
  ].join('\n');
  const plain = load(text);
  assert.deepEqual(
    plain.groups.map((g) => [g.params.duration_s, g.params.interval_s, g.params.omit_s, g.params.timeout_s]),
    [
      [8, 0.5, 1, 30],
      [5, 0.5, 1, 30],
    ],
  );
  const set = load(text, { set: ['duration=2s', 'timeout=10s', 'duration=3s'] });
  assert.deepEqual(
    set.groups.map((g) => [g.params.duration_s, g.params.interval_s, g.params.timeout_s]),
    [
      [3, 0.5, 10],
      [3, 0.5, 10],
    ],
  );
  // cac hands one --set over as a plain string.
  assert.equal(load(text, { set: 'omit=0' }).groups[0].params.omit_s, 0);
});

test("resolved params start from the test's own defaults: size depends on the test", () => {
  const s = load(
    'name: d\nruns:\n  - test: TCP_STREAM\n  - test: UDP_STREAM\n  - test: UDP_RR\n    request_size: 64\n    response_size: 1KiB\n',
  );
  assert.deepEqual(s.groups[0].params, defaultParams('TCP_STREAM'));
  assert.equal(s.groups[1].params.size_bytes, 1472);
  assert.deepEqual(s.groups[2].params, { ...defaultParams('UDP_RR'), request_size_bytes: 64, response_size_bytes: 1024 });
});

test("defaults and --set that do not fit a test are ignored for it; a run's own misfit key is an error", () => {
  const s = load('name: fit\ndefaults: { rate: 500M, size: 9000, reverse: true }\nruns:\n  - test: UDP_STREAM\n  - test: TCP_RR\n', {
    set: ['request_size=100'],
  });
  assert.deepEqual(
    [s.groups[0].params.rate_bps, s.groups[0].params.size_bytes, s.groups[0].params.reverse, s.groups[0].params.request_size_bytes],
    [500e6, 9000, true, 1],
  );
  assert.deepEqual(s.groups[1].params, { ...defaultParams('TCP_RR'), request_size_bytes: 100 });
});

test('--set can sweep, take booleans, and point every run at a peer', () => {
  const text = 'name: s\npeers:\n  lab-b: { host: 192.0.2.1 }\nruns:\n  - test: TCP_STREAM\n    peer: lab-b\n';
  const s = load(text, { set: ['streams=[1, 2]', 'reverse=true', 'peer=local'] });
  assert.deepEqual(
    s.groups.map((g) => [g.label, g.peer, g.params.reverse]),
    [
      ['TCP_STREAM local streams=1', undefined, true],
      ['TCP_STREAM local streams=2', undefined, true],
    ],
  );
  const remote = load(text);
  assert.deepEqual(remote.groups[0].peer, { host: '192.0.2.1', port: 7575, name: 'lab-b' });
});

test('${VAR} and ${VAR:-default} take values from the environment; plain values become numbers', () => {
  const text = [
    'name: ${NAME:-env-test}',
    'peers:',
    '  far:',
    '    host: "${PEER_HOST}"',
    '    port: ${PEER_PORT:-7600}',
    'runs:',
    '  - { test: TCP_STREAM, peer: far, duration: "${DUR:-2s}", label: "cost $${X} ${WHO:-}" }',
  ].join('\n');
  const s = load(text, { env: { PEER_HOST: '198.51.100.7', DUR: '' } });
  assert.equal(s.spec.name, 'env-test');
  assert.deepEqual(s.groups[0].peer, { host: '198.51.100.7', port: 7600, name: 'far' });
  assert.equal(s.groups[0].params.duration_s, 2);
  assert.equal(s.groups[0].label, 'cost ${X}');
  const set = load(text, { env: { PEER_HOST: 'h', PEER_PORT: '9000', DUR: '5s', NAME: 'n' } });
  assert.deepEqual([set.spec.name, set.groups[0].peer?.port, set.groups[0].params.duration_s], ['n', 9000, 5]);
  // The text of the file is kept as written, for results.json.
  assert.equal(s.text, text);
});

test('an unset variable without a default is an error at the variable itself, and nothing else is said of that value', () => {
  assert.throws(
    () => load('name: x\nruns:\n  - { test: TCP_STREAM, duration: "1${D}" }\n'),
    (err: unknown) => {
      assert.ok(err instanceof ScenarioError);
      assert.deepEqual(
        err.problems.map((p) => `${p.where}: ${p.message}`),
        ['t.yaml:3:37: environment variable D is not set: set it (export D=...), or give a default as ${D:-value}'],
      );
      return true;
    },
  );
  assert.deepEqual(
    expand('a ${B c', {}).missing.map((m) => m.message),
    ['unclosed ${ in this value: write ${NAME} or ${NAME:-default}, or $${ for a literal ${'],
  );
  assert.deepEqual(
    expand('${1X}', {}).missing.map((m) => m.message),
    ["'${1X}' is not a variable reference: write ${NAME} or ${NAME:-default}, with NAME made of letters, digits and _"],
  );
});

test('in a flow mapping a variable must be quoted (YAML reads { as a mapping); a quoted port still counts', () => {
  const s = load('name: q\npeers:\n  far: { host: "${H:-h}", port: "${P:-7601}" }\nruns:\n  - { test: TCP_RR, peer: far }\n');
  assert.deepEqual(s.groups[0].peer, { host: 'h', port: 7601, name: 'far' });
});

test('YAML anchors and merge keys share settings between runs', () => {
  const s = load('name: m\nx-udp: &udp { test: UDP_STREAM, size: 512 }\nruns:\n  - { <<: *udp, rate: 10M }\n  - { <<: *udp, rate: 20M }\n');
  assert.deepEqual(
    s.groups.map((g) => [g.test, g.params.size_bytes, g.params.rate_bps]),
    [
      ['UDP_STREAM', 512, 10e6],
      ['UDP_STREAM', 512, 20e6],
    ],
  );
});

test('--only keeps groups whose label contains the pattern; * and ? are wildcards within it, not anchors', () => {
  const s = load('name: o\nruns:\n  - { test: UDP_STREAM, rate: [10M, 20M] }\n  - test: TCP_RR\n  - test: UDP_RR\n');
  assert.deepEqual(
    filterGroups(s.groups, 'udp').map((g) => g.label),
    ['UDP_STREAM local rate=10M', 'UDP_STREAM local rate=20M', 'UDP_RR local'],
  );
  assert.deepEqual(
    filterGroups(s.groups, '*rate=2?M').map((g) => g.label),
    ['UDP_STREAM local rate=20M'],
  );
  // Issue 16: 'rate=1*' matched nothing, as a glob had to match the whole label while 'rate=1' matched anywhere.
  assert.deepEqual(
    filterGroups(s.groups, 'rate=1*').map((g) => g.label),
    ['UDP_STREAM local rate=10M'],
  );
  assert.deepEqual(
    filterGroups(s.groups, 'rate=1').map((g) => g.label),
    ['UDP_STREAM local rate=10M'],
  );
  assert.deepEqual(
    filterGroups(s.groups, 'udp*local').map((g) => g.label),
    ['UDP_STREAM local rate=10M', 'UDP_STREAM local rate=20M', 'UDP_RR local'],
  );
  assert.deepEqual(
    filterGroups(s.groups, 'rr loc?l').map((g) => g.label),
    ['TCP_RR local', 'UDP_RR local'],
  );
  // A dot in the pattern is a dot, not any character.
  assert.throws(() => filterGroups(s.groups, 'rate=1.M'), { code: 'E_USAGE' });
  assert.deepEqual(filterGroups(s.groups, undefined).length, 4);
  assert.throws(() => filterGroups(s.groups, 'SCTP'), {
    code: 'E_USAGE',
    message:
      "--only SCTP matches no run; labels are: 'UDP_STREAM local rate=10M', 'UDP_STREAM local rate=20M', 'TCP_RR local', 'UDP_RR local'",
  });
});

test('expectations are parsed once per run and shared by every group its sweep makes', () => {
  const s = load(
    'name: e\nruns:\n  - test: TCP_RR\n    streams: [1, 2]\n    expect: { "latency_us.p99": "<250", transactions_per_sec: ">= 1e3" }\n',
  );
  for (const g of s.groups) {
    assert.deepEqual(g.expect, [
      { figure: 'latency_us.p99', condition: '< 250', op: '<', threshold: 250 },
      { figure: 'transactions_per_sec', condition: '>= 1e3', op: '>=', threshold: 1000 },
    ]);
  }
});

test('--only with many stars matches like the glob it is, without the regular-expression backtracking that hung on *a*a*a...b', () => {
  const group = (label: string) => ({ label }) as Parameters<typeof filterGroups>[0][number];
  const long = group(`${'a'.repeat(5000)}c`);
  const groups = [group('UDP_STREAM local rate=1G'), group('TCP_RR local'), long];
  assert.deepEqual(
    filterGroups(groups, '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c').map((g) => g.label.length),
    [5001],
  );
  assert.throws(() => filterGroups([long], `*${'a*'.repeat(20)}b`), { code: 'E_USAGE' });
  assert.deepEqual(
    filterGroups(groups, 'udp*1?').map((g) => g.label),
    ['UDP_STREAM local rate=1G'],
  );
  assert.deepEqual(
    filterGroups(groups, '*RR*').map((g) => g.label),
    ['TCP_RR local'],
  );
  assert.deepEqual(
    filterGroups(groups, 'tcp_rr local').map((g) => g.label),
    ['TCP_RR local'],
  );
  assert.deepEqual(
    filterGroups(groups, 'TCP?RR').map((g) => g.label),
    ['TCP_RR local'],
    'a glob matches anywhere in the label, as a plain string does',
  );
});

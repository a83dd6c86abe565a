import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ResultsFile } from '../runner/core/results-file.js';
import type { RunObject } from '../runner/core/run-object.js';
import { loadScenario, parseScenario } from '../runner/scenario/load-scenario.js';
import { fleetLines, resolveDnsGroups } from '../runner/scenario/fleet-plan.js';
import { probePeer } from '../runner/client/probe-peer.js';
import { ScenarioError } from '../runner/scenario/scenario-problem.js';
import { CLI, runCli, startServeProcess, type ServeProcess } from './helpers/cli.js';

/**
 * Both ends of a scenario run: `from:` names the peer that plays the client
 * side, `to:` (or its older name `peer:`) the other end. Checked at
 * expansion, then run through `bench run` between two servers on loopback.
 */
const dir = mkdtempSync(join(tmpdir(), 'bench-fleet-scenario-'));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });

function load(text: string) {
  return parseScenario(join(dir, 't.yaml'), text, { env: {} });
}

function problems(text: string): string[] {
  try {
    load(text);
  } catch (err) {
    assert.ok(err instanceof ScenarioError, String(err));
    return err.problems.map((p) => `${p.where}: ${p.message}`);
  }
  assert.fail('the scenario was accepted');
}

const PEERS = ['peers:', '  lab-a: { host: 10.0.0.1 }', '  lab-b: { host: 10.0.0.2, port: 7000 }'];

test("from: and to: name both ends; labels show them; peer: stays as to's alias", () => {
  const s = load(
    [
      'name: ends',
      ...PEERS,
      'runs:',
      '  - { test: TCP_STREAM, from: lab-a, to: lab-b }',
      '  - { test: TCP_RR, from: lab-b, peer: lab-a }',
      '  - { test: UDP_RR, to: lab-b }',
    ].join('\n'),
  );
  assert.deepEqual(
    s.groups.map((g) => [g.label, g.from_name, g.peer_name, g.from?.host, g.from?.port, g.peer?.host]),
    [
      ['TCP_STREAM lab-a->lab-b', 'lab-a', 'lab-b', '10.0.0.1', 7575, '10.0.0.2'],
      ['TCP_RR lab-b->lab-a', 'lab-b', 'lab-a', '10.0.0.2', 7000, '10.0.0.1'],
      ['UDP_RR lab-b', 'local', 'lab-b', undefined, undefined, '10.0.0.2'],
    ],
  );
});

test("a run's to: overrides a peer: in defaults, and the other way round", () => {
  const s = load(
    [
      'name: layers',
      ...PEERS,
      'defaults: { peer: lab-a, from: lab-b }',
      'runs:',
      '  - { test: TCP_STREAM }',
      '  - { test: TCP_RR, to: lab-a, from: local }',
    ].join('\n'),
  );
  assert.deepEqual(
    s.groups.map((g) => g.label),
    ['TCP_STREAM lab-b->lab-a', 'TCP_RR lab-a'],
  );
});

test('to: and peer: together, from: equal to to:, from: without a to:, an unknown from: are each refused at their place', () => {
  assert.deepEqual(problems(['name: both', ...PEERS, 'runs:', '  - { test: TCP_STREAM, to: lab-a, peer: lab-b }'].join('\n')), [
    `${join(dir, 't.yaml')}:6:29: to: and peer: name the same thing (peer is its older name): give one of them`,
  ]);
  assert.deepEqual(problems(['name: same', ...PEERS, 'runs:', '  - test: TCP_STREAM', '    from: lab-a', '    to: lab-a'].join('\n')), [
    `${join(dir, 't.yaml')}:8:9: from: and to: are both 'lab-a': a run needs two different hosts`,
  ]);
  assert.deepEqual(problems(['name: nowhere', ...PEERS, 'runs:', '  - test: TCP_STREAM', '    from: lab-a'].join('\n')), [
    `${join(dir, 't.yaml')}:7:11: a run from 'lab-a' needs a to: peer: the embedded server ('local') is reachable from this machine only`,
  ]);
  assert.deepEqual(problems(['name: unknown', ...PEERS, 'runs:', '  - { test: TCP_STREAM, from: lab-c, to: lab-a }'].join('\n')), [
    `${join(dir, 't.yaml')}:6:31: peer 'lab-c' is not defined under peers: did you mean 'lab-a'?`,
  ]);
});

let labA: ServeProcess;
let labB: ServeProcess;
let labC: ServeProcess;
let labD: ServeProcess;
before(async () => {
  [labA, labB, labC, labD] = await Promise.all(
    ['lab-a', 'lab-b', 'lab-c', 'lab-d'].map((name) => startServeProcess(['--token-file', tokenFile, '--allow-remote', '--name', name])),
  );
});
after(async () => {
  await Promise.all([labA?.stop(), labB?.stop(), labC?.stop(), labD?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

test('bench run: a run from one server to another, both ways; the run objects name both ends as the servers report themselves', async () => {
  const file = join(dir, 'both-ways.yaml');
  writeFileSync(
    file,
    [
      'name: both-ways',
      'peers:',
      `  lab-a: { host: 127.0.0.1, port: ${labA.port}, token_file: token }`,
      `  lab-b: { host: 127.0.0.1, port: ${labB.port}, token_file: token }`,
      'defaults: { duration: 1s, interval: 500ms }',
      'runs:',
      '  - { test: TCP_STREAM, from: lab-a, to: lab-b }',
      '  - { test: TCP_RR, from: lab-b, to: lab-a }',
      'report: { formats: [] }',
    ].join('\n'),
  );
  const out = join(dir, 'out');
  const r = await runCli(['run', file, '--out', out, '--quiet', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const results = JSON.parse(r.stdout) as ResultsFile;
  assert.deepEqual(
    results.groups.map((g) => g.label),
    ['TCP_STREAM lab-a->lab-b', 'TCP_RR lab-b->lab-a'],
  );
  const lines = readFileSync(join(out, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RunObject);
  assert.deepEqual(
    lines.map((run) => [run.label, run.status, run.from, run.to]),
    [
      [
        'TCP_STREAM lab-a->lab-b',
        'ok',
        { host: '127.0.0.1', port: labA.port, name: 'lab-a' },
        { host: '127.0.0.1', port: labB.port, name: 'lab-b' },
      ],
      [
        'TCP_RR lab-b->lab-a',
        'ok',
        { host: '127.0.0.1', port: labB.port, name: 'lab-b' },
        { host: '127.0.0.1', port: labA.port, name: 'lab-a' },
      ],
    ],
  );
  assert.equal(lines[0].intervals.length, 2);
  assert.match(labA.log(), new RegExp(`test client=\\S+ test=TCP_STREAM role=client to=127\\.0\\.0\\.1:${labB.port} status=ok`));
  assert.match(labB.log(), new RegExp(`test client=\\S+ test=TCP_RR role=client to=127\\.0\\.0\\.1:${labA.port} status=ok`));
});

const RACK = [
  'peers:',
  '  lab-a: { host: 10.0.0.1 }',
  '  lab-b: { host: 10.0.0.2 }',
  '  lab-c: { host: 10.0.0.3 }',
  '  rack: [lab-a, lab-b, lab-c]',
];

test('mesh: GROUP expands to one group per ordered pair, N x (N-1), each naming both ends; sweeps cross with it', () => {
  const s = load(['name: mesh', ...RACK, 'runs:', '  - { test: TCP_STREAM, mesh: rack, streams: [1, 4] }'].join('\n'));
  assert.equal(s.groups.length, 12);
  assert.deepEqual(
    s.groups.slice(0, 6).map((g) => g.label),
    [
      'TCP_STREAM lab-a->lab-b streams=1',
      'TCP_STREAM lab-a->lab-c streams=1',
      'TCP_STREAM lab-b->lab-a streams=1',
      'TCP_STREAM lab-b->lab-c streams=1',
      'TCP_STREAM lab-c->lab-a streams=1',
      'TCP_STREAM lab-c->lab-b streams=1',
    ],
  );
  assert.deepEqual(s.groups.map((g) => [g.from?.host, g.peer?.host, g.mesh, g.parallel]).slice(0, 2), [
    ['10.0.0.1', '10.0.0.2', 'rack', undefined],
    ['10.0.0.1', '10.0.0.3', 'rack', undefined],
  ]);
});

test('pairs: lists the pairs to run; parallel: disjoint orders a mesh round by round', () => {
  const s = load(
    [
      'name: pairs',
      ...RACK,
      'runs:',
      '  - { test: TCP_RR, pairs: [[lab-a, lab-b], [lab-c, lab-a]], label: rr }',
      '  - { test: TCP_STREAM, mesh: rack, parallel: disjoint }',
    ].join('\n'),
  );
  assert.deepEqual(
    s.groups.map((g) => g.label),
    [
      'rr lab-a->lab-b',
      'rr lab-c->lab-a',
      // Three hosts: in each round one sits out, and each round is followed by its reverse.
      'TCP_STREAM lab-b->lab-c',
      'TCP_STREAM lab-c->lab-b',
      'TCP_STREAM lab-c->lab-a',
      'TCP_STREAM lab-a->lab-c',
      'TCP_STREAM lab-a->lab-b',
      'TCP_STREAM lab-b->lab-a',
    ],
  );
  assert.deepEqual(
    s.groups.map((g) => g.parallel ?? '-'),
    ['-', '-', 'disjoint', 'disjoint', 'disjoint', 'disjoint', 'disjoint', 'disjoint'],
  );
});

test('groups, mesh:, pairs: and parallel: are checked at their place', () => {
  const file = join(dir, 't.yaml');
  assert.deepEqual(
    problems(
      [
        'name: bad',
        'peers:',
        '  lab-a: { host: 10.0.0.1 }',
        '  lab-b: { host: 10.0.0.2 }',
        '  rack: [lab-a, lab-d, lab-a, local]',
        '  solo: [lab-a]',
        'runs:',
        '  - { test: TCP_STREAM, mesh: rak }',
      ].join('\n'),
    ),
    [
      `${file}:5:17: peer 'lab-d' is not defined under peers: did you mean 'lab-a'?`,
      `${file}:5:24: peer 'lab-a' is listed twice in this group: list it once`,
      `${file}:5:31: 'local' cannot be a group member: a remote server cannot reach this machine's embedded server`,
      `${file}:6:9: group 'solo' has one member: a mesh needs at least two peers`,
      `${file}:8:31: group 'rak' is not defined under peers: did you mean 'rack'?`,
    ],
  );
  assert.deepEqual(
    problems(
      [
        'name: bad',
        ...RACK,
        'runs:',
        '  - { test: TCP_STREAM, mesh: lab-a }',
        '  - { test: TCP_STREAM, mesh: rack, to: lab-b }',
        '  - { test: TCP_STREAM, pairs: [[lab-a, lab-a], [lab-b, lab-x], [lab-b]] }',
        '  - { test: TCP_STREAM, to: lab-a, parallel: disjoint }',
        '  - { test: TCP_STREAM, mesh: rack, parallel: yes }',
      ].join('\n'),
    ),
    [
      `${file}:8:31: 'lab-a' is a peer, not a group: define a group under peers as a list of peer names, such as rack: [lab-a, lab-b, lab-c]`,
      `${file}:9:37: to: does not go with mesh:, which names both ends of each run: remove it`,
      `${file}:10:33: pair [lab-a, lab-a] has the same peer at both ends: a run needs two different hosts`,
      `${file}:10:57: peer 'lab-x' is not defined under peers: did you mean 'lab-a'?`,
      `${file}:10:65: each pair must be [from, to], two peer names, such as pairs: [[lab-a, lab-b], [lab-c, lab-d]]`,
      `${file}:11:36: parallel: disjoint needs mesh: or pairs: in the same run: it runs their pairs that share no host at once`,
      `${file}:12:47: parallel must be disjoint (runs that share no host run at once), not "yes"; leave it out to run one at a time`,
    ],
  );
});

test('bench validate shows how many runs a mesh expands to', async () => {
  const file = join(dir, 'mesh.yaml');
  writeFileSync(file, ['name: mesh', ...RACK, 'runs:', '  - { test: TCP_STREAM, mesh: rack, duration: 2s }'].join('\n'));
  const r = await runCli(['validate', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /: valid scenario 'mesh': 6 runs, about 12s of measuring\n/);
  assert.match(r.stdout, /\nrun 1: mesh rack: 3 hosts, 6 runs \(every ordered pair\), one at a time\n/);
});

function rackFile(name: string, extraPeers: string[], runs: string[], report = 'report: { formats: [] }'): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      'peers:',
      ...[labA, labB, labC, labD].map((server, i) => `  lab-${'abcd'[i]}: { host: 127.0.0.1, port: ${server.port}, token_file: token }`),
      ...extraPeers,
      'defaults: { duration: 1s, interval: 500ms }',
      'runs:',
      ...runs,
      report,
    ].join('\n'),
  );
  return file;
}

function runLines(out: string): RunObject[] {
  return readFileSync(join(out, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RunObject);
}

test('bench run, parallel: disjoint: a 4-host mesh in 6 rounds of 2 runs, no host in two runs at once, every run ok', async () => {
  const file = rackFile('disjoint', ['  rack: [lab-a, lab-b, lab-c, lab-d]'], ['  - { test: TCP_RR, mesh: rack, parallel: disjoint }']);
  const out = join(dir, 'out-disjoint');
  const r = await runCli(['run', file, '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const runs = runLines(out);
  assert.equal(runs.length, 12);
  assert.deepEqual(
    runs.map((run) => `${run.label} ${run.status}`).sort(),
    ['ab', 'ac', 'ad', 'ba', 'bc', 'bd', 'ca', 'cb', 'cd', 'da', 'db', 'dc'].map(([f, t]) => `TCP_RR lab-${f}->lab-${t} ok`),
  );
  for (const run of runs) assert.equal(run.label, `TCP_RR ${run.from?.name}->${run.to?.name}`);
  const spans = runs.map((run) => {
    const start = Date.parse(run.started_at);
    return { hosts: [run.from?.name, run.to?.name], start, end: start + run.duration_s * 1000 };
  });
  for (const a of spans) {
    for (const b of spans) {
      if (a === b || !a.hosts.some((h) => b.hosts.includes(h))) continue;
      assert.ok(a.end <= b.start || b.end <= a.start, `${a.hosts.join('->')} and ${b.hosts.join('->')} overlap in time`);
    }
  }
  // Runs that overlap in time form a round: rounds follow one another, so this counts them.
  spans.sort((a, b) => a.start - b.start);
  const rounds: number[] = [];
  let roundEnd = -Infinity;
  for (const span of spans) {
    if (span.start < roundEnd) rounds[rounds.length - 1]++;
    else rounds.push(1);
    roundEnd = Math.max(roundEnd, span.end);
  }
  assert.deepEqual(rounds, [2, 2, 2, 2, 2, 2]);
});

test('bench run --keep-going: a mesh with a member no server answers: its runs fail with their errors, the others are ok, exit code 1', async () => {
  const gone = await freePort();
  const file = rackFile(
    'gone',
    [`  lab-x: { host: 127.0.0.1, port: ${gone}, token_file: token }`, '  trio: [lab-a, lab-b, lab-x]'],
    ['  - { test: TCP_RR, mesh: trio }'],
    'report: { formats: [html, md] }',
  );
  const out = join(dir, 'out-gone');
  // --keep-going: without it, the check before the first run stops the scenario at lab-x.
  const r = await runCli(['run', file, '--out', out, '--quiet', '--keep-going']);
  assert.equal(r.code, 1, r.stderr);
  const runs = runLines(out);
  assert.deepEqual(
    runs.map((run) => [run.label, run.status, run.error?.message]),
    [
      ['TCP_RR lab-a->lab-b', 'ok', undefined],
      // Towards lab-x, the from server says it could not reach it; from lab-x, the orchestrator does.
      [
        'TCP_RR lab-a->lab-x',
        'failed',
        `peer lab-a (127.0.0.1:${labA.port}) reports: cannot reach peer lab-x (127.0.0.1:${gone}): connection refused - is 'bench serve' running there?`,
      ],
      ['TCP_RR lab-b->lab-a', 'ok', undefined],
      [
        'TCP_RR lab-b->lab-x',
        'failed',
        `peer lab-b (127.0.0.1:${labB.port}) reports: cannot reach peer lab-x (127.0.0.1:${gone}): connection refused - is 'bench serve' running there?`,
      ],
      [
        'TCP_RR lab-x->lab-a',
        'failed',
        `cannot reach peer lab-x (127.0.0.1:${gone}): connection refused - is 'bench serve' running there?`,
      ],
      [
        'TCP_RR lab-x->lab-b',
        'failed',
        `cannot reach peer lab-x (127.0.0.1:${gone}): connection refused - is 'bench serve' running there?`,
      ],
    ],
  );
  // The report's matrix: a cell per pair, named as the servers reported themselves (lab-x by its address).
  const x = `127.0.0.1:${gone}`;
  const tps = (label: string) =>
    (runs.find((run) => run.label === label)?.summary as { transactions_per_sec: number }).transactions_per_sec;
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  const cells = [
    ...html.matchAll(/<g class="cell" data-from="([^"]*)" data-to="([^"]*)"(?: data-failed="true"| data-value="([^"]*)")>/g),
  ].map((m) => [m[1], m[2], m[3] === undefined ? 'failed' : Number(m[3])]);
  assert.deepEqual(
    cells.sort(),
    [
      ['lab-a', 'lab-b', tps('TCP_RR lab-a->lab-b')],
      ['lab-a', x, 'failed'],
      ['lab-b', 'lab-a', tps('TCP_RR lab-b->lab-a')],
      ['lab-b', x, 'failed'],
      [x, 'lab-a', 'failed'],
      [x, 'lab-b', 'failed'],
    ].sort(),
  );
  assert.match(html, /<ol class="worst-pairs"><li>127\.0\.0\.1:\d+ → lab-a: failed<\/li>/);
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.ok(md.includes(`| from / to | ${x} | lab-a | lab-b |\n| --- | ---: | ---: | ---: |\n| ${x} | - | failed | failed |\n`), md);
  assert.match(md, /\n\| lab-a \| failed \| - \| [\d,.]+ \|\n\| lab-b \| failed \| [\d,.]+ \| - \|\n/);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `bench serve` on one loopback address and a given port, as the members of a DNS group share a port. */
function serveAt(host: string, port: number, name: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--host', host, '--port', String(port), '--name', name, '--token-file', tokenFile, '--allow-remote'],
      { env: { ...process.env, NO_COLOR: '1' } },
    );
    let log = '';
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (/listening address=/.test(log)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`bench serve exited with ${code}: ${log}`)));
  });
}

test('a DNS group resolves when bench run starts: every address a member, named as its server reports itself; one that does not answer is named by its address', async () => {
  const port = await freePort();
  const servers = await Promise.all(
    [
      ['127.0.0.2', 'node-2'],
      ['127.0.0.3', 'node-3'],
    ].map(([host, name]) => serveAt(host, port, name)),
  );
  try {
    const file = join(dir, 'dns.yaml');
    writeFileSync(
      file,
      [
        'name: dns',
        'peers:',
        `  nodes: { dns: cluster.test, port: ${port}, token_file: token }`,
        'runs:',
        '  - { test: TCP_RR, mesh: nodes, parallel: disjoint, duration: 1s }',
      ].join('\n'),
    );
    const loaded = await loadScenario(file, { env: {} });
    assert.deepEqual(loaded.runs, []);
    assert.deepEqual(fleetLines(loaded.spec, loaded.groups), [
      'run 1: mesh nodes: every ordered pair of the hosts cluster.test resolves to, resolved at run time, in rounds of runs that share no host',
    ]);
    const said: string[] = [];
    // The records a DNS server would give for cluster.test (dnsmasq answers them in the namespace test).
    const resolved = await resolveDnsGroups(
      loaded,
      probePeer,
      (line) => said.push(line),
      async () => ['127.0.0.2', '127.0.0.3', '127.0.0.4'],
    );
    assert.deepEqual(said, ['peer group nodes: cluster.test resolves to 3 hosts: node-2, node-3, 127.0.0.4 (no answer from 127.0.0.4)']);
    assert.deepEqual(resolved.groups.map((g) => [g.label, g.from?.host, g.peer?.host, g.peer?.port, g.peer?.token_file]).slice(0, 2), [
      ['TCP_RR node-3->127.0.0.4', '127.0.0.3', '127.0.0.4', port, tokenFile],
      ['TCP_RR 127.0.0.4->node-3', '127.0.0.4', '127.0.0.3', port, tokenFile],
    ]);
    assert.equal(resolved.runs.length, 6);
    await assert.rejects(
      resolveDnsGroups(
        loaded,
        probePeer,
        () => {},
        async () => ['127.0.0.2'],
      ),
      {
        message: "peer group 'nodes': cluster.test resolves to one address (127.0.0.2): a mesh needs at least two hosts",
      },
    );
    await assert.rejects(
      resolveDnsGroups(
        loaded,
        probePeer,
        () => {},
        (name) => lookup(name, { all: true }).then((r) => r.map((a) => a.address)),
      ),
      {
        message:
          /^peer group 'nodes': cannot resolve cluster\.test \((ENOTFOUND|EAI_AGAIN)\): check the name and the DNS server this machine uses$/,
      },
    );
  } finally {
    for (const s of servers) s.kill('SIGTERM');
  }
});

import { PROTOCOL_VERSION } from '../runner/control/messages.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createServerTokenAuth } from '../runner/auth/token-auth.js';
import { checkPeer } from '../runner/client/probe-peer.js';
import { benchVersion } from '../runner/core/package-paths.js';
import type { RunObject } from '../runner/core/run-object.js';
import { parseScenario } from '../runner/scenario/load-scenario.js';
import { checkPeers, peersToCheck, type CheckPeerFn, type PeerToCheck } from '../runner/scenario/peer-check.js';
import { runCli } from './helpers/cli.js';
import { startFakeServer } from './helpers/fake-server.js';
import { startTestServer, type TestServer } from './helpers/in-process-server.js';

/**
 * Issue 16: a scenario with a dead peer failed each of its runs in turn, with
 * the same error. bench run now checks every peer the plan names, all at
 * once, before the first run: reachable, same protocol, token taken, and for
 * a from: end, that it runs tests for others. A failed check stops the
 * scenario before anything is measured, unless --keep-going.
 */
const dir = mkdtempSync(join(tmpdir(), 'bench-peer-check-'));
const tokenFile = join(dir, 'token');
const wrongTokenFile = join(dir, 'wrong-token');
writeFileSync(tokenFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
writeFileSync(wrongTokenFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });

let live: TestServer;
let guarded: TestServer;
let deadPort: number;
before(async () => {
  live = await startTestServer();
  guarded = await startTestServer({ auth: await createServerTokenAuth(tokenFile, () => {}) });
  deadPort = await closedPort();
});
after(async () => {
  await Promise.all([live?.close(), guarded?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** A loopback port with nothing listening: bound, then closed again. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function deadScenario(name: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      'peers:',
      `  live: { host: 127.0.0.1, port: ${live.port} }`,
      `  gone: { host: 127.0.0.1, port: ${deadPort} }`,
      'defaults: { duration: 1s }',
      'runs:',
      '  - { test: TCP_RR, to: live }',
      '  - { test: TCP_RR, to: gone }',
      '  - { test: UDP_RR, to: live }',
    ].join('\n'),
  );
  return file;
}

const GONE_ERROR = () => `cannot reach peer gone (127.0.0.1:${deadPort}): connection refused - is 'bench serve' running there?`;

test('bench run with one dead peer stops before measuring anything, naming it and its error; exit 1, no results folder', async () => {
  const out = join(dir, 'out-stopped');
  const before = live.log.count('start');
  const r = await runCli(['run', deadScenario('stopped'), '-o', out]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    [
      'stopped: 3 runs, about 3s of measuring',
      'checking 2 peers: live, gone...',
      'bench: 1 of 2 peers failed the check, so nothing was measured:',
      `  ✗ ${GONE_ERROR()}`,
      'Fix what each line says, or pass --keep-going to run anyway (the runs that need a failed peer are recorded as failed)',
      '',
    ].join('\n'),
  );
  assert.equal(existsSync(out), false, 'no results folder for a scenario that measured nothing');
  assert.equal(live.log.count('start'), before, 'the live server started no test');
});

test('bench run --keep-going with one dead peer warns, runs everything, and records the dead peer’s run as failed', async () => {
  const out = join(dir, 'out-kept');
  const r = await runCli(['run', deadScenario('kept'), '--out', out, '--keep-going']);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(
    r.stderr.startsWith(
      [
        'kept: 3 runs, about 3s of measuring',
        'checking 2 peers: live, gone...',
        'warning: 1 of 2 peers failed the check; going on (--keep-going): the runs that need it will fail',
        `  ✗ ${GONE_ERROR()}`,
        `Results go to ${out}`,
        '',
      ].join('\n'),
    ),
    r.stderr,
  );
  const runs = readFileSync(join(out, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as RunObject);
  assert.deepEqual(
    runs.map((run) => [run.label, run.status, run.error?.code, run.error?.message]),
    [
      ['TCP_RR live', 'ok', undefined, undefined],
      ['TCP_RR gone', 'failed', 'E_PEER_UNREACHABLE', GONE_ERROR()],
      ['UDP_RR live', 'ok', undefined, undefined],
    ],
  );
});

test('the peers to check: each once, every from: end and the to: end of runs from here; a from: end must run tests for others; the embedded server is not one', () => {
  const loaded = parseScenario(
    join(dir, 'ends.yaml'),
    [
      'name: ends',
      'peers:',
      '  a: { host: 10.0.0.1 }',
      '  b: { host: 10.0.0.2, port: 7000 }',
      '  c: { host: 10.0.0.3 }',
      'runs:',
      '  - { test: TCP_RR }',
      '  - { test: TCP_RR, to: b, timeout: 2s }',
      '  - { test: TCP_STREAM, from: a, to: b, repeat: 2 }',
      '  - { test: UDP_RR, from: c, to: a }',
    ].join('\n'),
    { env: {} },
  );
  assert.deepEqual(
    peersToCheck(loaded.runs).map((p) => [p.name, p.address.host, p.address.port, p.runsForOthers, p.timeoutMs]),
    [
      // b is checked for the run from here (2s); the run from a to b is a's to check when it starts.
      ['b', '10.0.0.2', 7000, false, 2000],
      ['a', '10.0.0.1', 7575, true, 5000],
      ['c', '10.0.0.3', 7575, true, 5000],
    ],
  );
  const local = parseScenario(join(dir, 'local.yaml'), 'name: local\nruns:\n  - { test: TCP_RR, timeout: 1s }\n', { env: {} });
  assert.deepEqual(peersToCheck(local.runs), []);
  const quick = parseScenario(
    join(dir, 'quick.yaml'),
    'name: quick\npeers:\n  b: { host: 10.0.0.2 }\nruns:\n  - { test: TCP_RR, to: b, timeout: 1500ms }\n',
    { env: {} },
  );
  assert.deepEqual(
    peersToCheck(quick.runs).map((p) => p.timeoutMs),
    [1500],
  );
});

test('a scenario on the embedded server only checks no peer and says nothing of it', async () => {
  const file = join(dir, 'embedded.yaml');
  writeFileSync(file, 'name: embedded\nruns:\n  - { test: TCP_RR, duration: 1s }\n');
  const r = await runCli(['run', file, '--out', join(dir, 'out-embedded')]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /checking/);
  assert.match(r.stderr, /^embedded: 1 run, about 1s of measuring\nResults go to /);
});

test('checkPeer: a server that asks for a token takes the right one, and refuses a wrong one or none, each naming the peer', async () => {
  const peer = { host: '127.0.0.1', port: guarded.port, name: 'lab' };
  const where = `peer lab (127.0.0.1:${guarded.port})`;
  const before = guarded.log.count('start');
  assert.deepEqual(await checkPeer({ ...peer, token_file: tokenFile }, { timeoutMs: 5000 }), {
    name: guarded.server.name,
    bench_version: benchVersion,
    authenticated: true,
  });
  await assert.rejects(checkPeer({ ...peer, token_file: wrongTokenFile }, { timeoutMs: 5000 }), {
    code: 'E_AUTH',
    message: `${where}: authentication failed: the client's token does not match this server's token file - give both the same secret`,
  });
  await assert.rejects(checkPeer(peer, { timeoutMs: 5000 }), {
    code: 'E_AUTH',
    message: `${where} requires a token: pass --token-file (token_file on a scenario peer)`,
  });
  assert.equal(guarded.log.count('start'), before, 'no check starts a test');
});

test('checkPeer: a from: end that does not run tests for others is refused, saying how to allow it', async () => {
  await assert.rejects(checkPeer({ host: '127.0.0.1', port: live.port, name: 'a' }, { timeoutMs: 5000, runsForOthers: true }), {
    code: 'E_REFUSED',
    message: `peer a (127.0.0.1:${live.port}) does not run tests for others: start it with bench serve --allow-remote --token-file FILE`,
  });
  assert.equal((await checkPeer({ host: '127.0.0.1', port: live.port }, { timeoutMs: 5000 })).authenticated, false);
});

test('checkPeer: a server of another protocol version is named, with both versions and what to do', async () => {
  const fake = await startFakeServer({ welcome: { protocol: 99, bench_version: '9.0.0' } });
  try {
    await assert.rejects(checkPeer({ host: '127.0.0.1', port: fake.port }, { timeoutMs: 5000 }), {
      code: 'E_VERSION',
      message: `peer 127.0.0.1:${fake.port} runs bench 9.0.0, protocol 99; this is bench ${benchVersion}, protocol ${PROTOCOL_VERSION} - install the same bench version on both hosts`,
    });
  } finally {
    await fake.close();
  }
});

test('checkPeers checks every peer at once, each within its time limit, and reports each in the order given', async () => {
  // Two servers that accept and never answer: the check can only end by its timeout.
  const silent = await Promise.all([0, 1].map(() => silentServer()));
  try {
    const peers: PeerToCheck[] = [
      { name: 'quiet-a', address: { host: '127.0.0.1', port: silent[0].port, name: 'quiet-a' }, runsForOthers: false, timeoutMs: 400 },
      { name: 'live', address: { host: '127.0.0.1', port: live.port, name: 'live' }, runsForOthers: false, timeoutMs: 400 },
      { name: 'quiet-b', address: { host: '127.0.0.1', port: silent[1].port, name: 'quiet-b' }, runsForOthers: false, timeoutMs: 400 },
    ];
    let inFlight = 0;
    let mostInFlight = 0;
    const counting: CheckPeerFn = async (peer, options) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      try {
        return await checkPeer(peer, options);
      } finally {
        inFlight--;
      }
    };
    const outcomes = await checkPeers(peers, counting);
    assert.equal(mostInFlight, 3, 'all three checks were under way together');
    assert.deepEqual(
      outcomes.map((o) => (o.ok ? [o.peer.name, 'ok'] : [o.peer.name, o.error.code, o.error.message])),
      [
        [
          'quiet-a',
          'E_PEER_TIMEOUT',
          `peer quiet-a (127.0.0.1:${silent[0].port}) sent nothing for 0.4s while waiting for the server to answer HELLO - is it still running?`,
        ],
        ['live', 'ok'],
        [
          'quiet-b',
          'E_PEER_TIMEOUT',
          `peer quiet-b (127.0.0.1:${silent[1].port}) sent nothing for 0.4s while waiting for the server to answer HELLO - is it still running?`,
        ],
      ],
    );
  } finally {
    await Promise.all(silent.map((s) => s.close()));
  }
});

/** A TCP server that accepts connections and never says a word. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

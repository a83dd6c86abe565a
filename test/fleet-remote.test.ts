import { PROTOCOL_VERSION } from '../runner/control/messages.js';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { defaultParams } from '../runner/core/params.js';
import type { RunObject } from '../runner/core/run-object.js';
import { parseRun, runCli, startServeProcess, type ServeProcess } from './helpers/cli.js';
import { RawControl } from './helpers/raw-control.js';

/**
 * Remote clients on loopback: `bench test --from A --peer B` asks server A
 * (started with --allow-remote and a token) to run the client side against
 * server B. What a remote request can make a server do is checked from both
 * sides: the orchestrator's refusals, and the server's own.
 */
const dir = mkdtempSync(join(tmpdir(), 'bench-fleet-remote-'));
const token = randomBytes(32).toString('hex');
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
const wrongTokenFile = join(dir, 'wrong-token');
writeFileSync(wrongTokenFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });

let labA: ServeProcess;
let labB: ServeProcess;
let plain: ServeProcess;

before(async () => {
  [labA, labB, plain] = await Promise.all([
    startServeProcess(['--token-file', tokenFile, '--allow-remote', '--name', 'lab-a', '--max-duration', '3s']),
    startServeProcess(['--token-file', tokenFile, '--allow-remote', '--name', 'lab-b']),
    startServeProcess(['--token-file', tokenFile, '--name', 'plain']),
  ]);
});
after(async () => {
  await Promise.all([labA?.stop(), labB?.stop(), plain?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const at = (server: ServeProcess) => `127.0.0.1:${server.port}`;

test('a run from one server to another: the from server runs the client, intervals stream live, both ends are named', async () => {
  const r = await runCli([
    'test',
    'TCP_STREAM',
    '--from',
    at(labA),
    '--peer',
    at(labB),
    '--token-file',
    tokenFile,
    '--duration',
    '1s',
    '--interval',
    '250ms',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const run = parseRun(r.stdout);
  assert.equal(run.status, 'ok');
  assert.deepEqual(run.from, { host: '127.0.0.1', port: labA.port, name: 'lab-a' });
  assert.deepEqual(run.to, { host: '127.0.0.1', port: labB.port, name: 'lab-b' });
  assert.deepEqual(run.peer, { host: '127.0.0.1', port: labB.port, embedded: false });
  assert.equal(run.intervals.length, 4);
  const summary = run.summary as { bytes_sent: number; bytes_received: number };
  assert.ok(summary.bytes_received > 0);
  assert.equal(summary.bytes_received, summary.bytes_sent, 'TCP delivers every byte sent');
  // The from server logged the run as its client role; the to server as an ordinary test.
  assert.match(labA.log(), new RegExp(`test client=\\S+ test=TCP_STREAM role=client to=127\\.0\\.0\\.1:${labB.port} status=ok`));
  assert.match(labB.log(), /test client=127\.0\.0\.1:\d+ test=TCP_STREAM streams=1 reverse=false seconds=\S+ status=ok/);
});

test("the live lines of a remote run are the from server's intervals, as they happen", async () => {
  const r = await runCli([
    'test',
    'UDP_RR',
    '--from',
    at(labB),
    '--peer',
    at(labA),
    '--token-file',
    tokenFile,
    '--duration',
    '1s',
    '--interval',
    '500ms',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^bench UDP_RR from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+: 1s, 1B request, 1B response\n/);
  assert.equal((r.stdout.match(/^\[ *[\d.]+-[\d.]+ +s\]/gm) ?? []).length, 2);
});

test('a server started without --allow-remote refuses, and the orchestrator says how to allow it', async () => {
  const r = await runCli(['test', 'TCP_STREAM', '--from', at(plain), '--peer', at(labB), '--token-file', tokenFile, '--duration', '1s']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `bench: TCP_STREAM failed: peer 127.0.0.1:${plain.port} does not run tests for others: start it with bench serve --allow-remote --token-file FILE\n`,
  );
});

async function authenticated(server: ServeProcess): Promise<RawControl> {
  const raw = await RawControl.connect(server.port);
  raw.send({ type: 'HELLO', protocol: PROTOCOL_VERSION, bench_version: 'test' });
  const welcome = await raw.next();
  assert.equal(welcome.type, 'WELCOME');
  const challenge = await raw.next();
  assert.equal(challenge.type, 'AUTH_CHALLENGE');
  const mac = createHmac('sha256', Buffer.from(token))
    .update(`bench-auth-v1:${challenge.type === 'AUTH_CHALLENGE' ? challenge.nonce : ''}`)
    .digest('hex');
  raw.send({ type: 'AUTH_RESPONSE', mac });
  return raw;
}

test('the server itself refuses a remote request without --allow-remote, whatever the client skipped', async () => {
  const raw = await authenticated(plain);
  raw.send({
    type: 'REMOTE_TEST_REQUEST',
    params: { ...defaultParams('TCP_STREAM'), duration_s: 1 },
    to: { host: '127.0.0.1', port: labB.port },
  });
  assert.deepEqual(await raw.next(), {
    type: 'ERROR',
    code: 'E_REFUSED',
    message: 'plain does not run tests for others: start it with bench serve --allow-remote --token-file FILE',
  });
  await raw.closed;
});

test("the server's limits apply to what it runs as a client", async () => {
  const raw = await authenticated(labA);
  raw.send({
    type: 'REMOTE_TEST_REQUEST',
    params: { ...defaultParams('TCP_STREAM'), duration_s: 10 },
    to: { host: '127.0.0.1', port: labB.port },
  });
  const answer = await raw.next();
  assert.equal(answer.type, 'ERROR');
  assert.equal(answer.type === 'ERROR' && answer.code, 'E_REFUSED');
  assert.match(answer.type === 'ERROR' ? answer.message : '', /duration/);
});

test('an orchestrator with the wrong token is refused before anything runs', async () => {
  const r = await runCli([
    'test',
    'TCP_STREAM',
    '--from',
    at(labA),
    '--peer',
    at(labB),
    '--token-file',
    wrongTokenFile,
    '--duration',
    '1s',
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /authentication failed: the client's token does not match this server's token file/);
});

test('a target with no bench server gets one control connection and the handshake, nothing more', async () => {
  const connections: Buffer[] = [];
  const listener = net.createServer((socket) => {
    const received: Buffer[] = [];
    connections.push(Buffer.alloc(0));
    const index = connections.length - 1;
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      connections[index] = Buffer.concat(received);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const silentPort = (listener.address() as net.AddressInfo).port;
  try {
    const r = await runCli([
      'test',
      'UDP_STREAM',
      '--from',
      at(labA),
      '--peer',
      `127.0.0.1:${silentPort}`,
      '--token-file',
      tokenFile,
      '--duration',
      '1s',
      '--timeout',
      '1s',
      '--json',
    ]);
    assert.equal(r.code, 1);
    const run = parseRun(r.stdout) as RunObject;
    assert.equal(run.status, 'failed');
    assert.match(
      run.error?.message ?? '',
      new RegExp(`127\\.0\\.0\\.1:${silentPort}.*sent nothing for 1s while waiting for the server to answer HELLO`),
    );
    assert.equal(connections.length, 1, 'one control connection');
    const text = connections[0].subarray(4).toString('utf8');
    assert.equal(JSON.parse(text).type, 'HELLO', 'and in it only the HELLO');
  } finally {
    listener.close();
  }
});

test('--allow-remote without a token file is refused at start', async () => {
  const r = await runCli(['serve', '--port', '0', '--allow-remote']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--allow-remote needs --token-file/);
});

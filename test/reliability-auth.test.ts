import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FrameDecoder } from '../runner/control/frame-decoder.js';
import { runTestOrEmbedded as runTest } from '../runner/cli/local-run.js';
import { resolveParams } from '../runner/core/resolve-params.js';
import { parseRun, runCli, startServeProcess, type ServeProcess } from './helpers/cli.js';
import { hello, RawControl, testRequest } from './helpers/raw-control.js';

/**
 * Token authentication (bench serve --token-file, bench test --token-file,
 * token_file on a scenario peer): the right token runs, a wrong or missing
 * one runs nothing and says why, and the token never crosses the wire.
 */
const dir = mkdtempSync(join(tmpdir(), 'bench-auth-'));
const token = randomBytes(32).toString('hex');
const otherToken = randomBytes(32).toString('hex');
const tokenFile = join(dir, 'token');
const otherFile = join(dir, 'other');
writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
writeFileSync(otherFile, otherToken, { mode: 0o600 });

let server: ServeProcess;
before(async () => {
  server = await startServeProcess(['--token-file', tokenFile]);
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Every way the secret could show up in a byte stream: as written, as hex, as base64, and the bytes the hex stands for. */
function secretForms(secret: string): Buffer[] {
  const text = Buffer.from(secret, 'utf8');
  const raw = Buffer.from(secret, 'hex');
  return [
    text,
    Buffer.from(text.toString('hex')),
    Buffer.from(text.toString('base64')),
    raw,
    Buffer.from(raw.toString('base64')),
    Buffer.from(secret.toUpperCase()),
  ];
}

/**
 * A TCP relay on loopback that records every byte of the control connection
 * (its first) in each direction; data connections, which come through it to
 * the server's one port, are relayed unrecorded.
 */
async function startRelay(targetPort: number): Promise<{ port: number; toServer: Buffer[]; toClient: Buffer[]; close(): Promise<void> }> {
  const toServer: Buffer[] = [];
  const toClient: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  let relayed = 0;
  const relay = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    if (++relayed === 1) {
      client.on('data', (d: Buffer) => toServer.push(Buffer.from(d)));
      upstream.on('data', (d: Buffer) => toClient.push(Buffer.from(d)));
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    port: (relay.address() as net.AddressInfo).port,
    toServer,
    toClient,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        relay.close(() => resolve());
      }),
  };
}

function messageTypes(stream: Buffer): string[] {
  return new FrameDecoder(1 << 20).push(stream).map((f) => (JSON.parse(f.toString('utf8')) as { type: string }).type);
}

test('the right token runs the test, and the token appears in no byte of the control connection, in any encoding', async () => {
  const relay = await startRelay(server.port);
  try {
    const r = await runCli([
      'test',
      'TCP_RR',
      '--peer',
      `127.0.0.1:${relay.port}`,
      '--duration',
      '300ms',
      '--interval',
      '300ms',
      '--token-file',
      tokenFile,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(parseRun(r.stdout).status, 'ok');
    const up = Buffer.concat(relay.toServer);
    const down = Buffer.concat(relay.toClient);
    // The recording is the whole conversation, with the challenge and the answer in it.
    assert.deepEqual(messageTypes(up), ['HELLO', 'AUTH_RESPONSE', 'TEST_REQUEST', 'START', 'STOP']);
    assert.deepEqual(messageTypes(down).slice(0, 4), ['WELCOME', 'AUTH_CHALLENGE', 'READY', 'ATTACHED']);
    assert.equal(messageTypes(down).at(-1), 'RESULT');
    for (const form of secretForms(token)) {
      assert.equal(up.indexOf(form), -1, `client to server carries the token as ${form.toString('latin1').slice(0, 12)}...`);
      assert.equal(down.indexOf(form), -1, 'server to client carries the token');
    }
  } finally {
    await relay.close();
  }
});

test('a wrong token is refused with a clear message, runs nothing, and neither token crosses the wire', async () => {
  const relay = await startRelay(server.port);
  try {
    const starts = server.log().split(' start client=').length;
    const r = await runCli(['test', 'TCP_STREAM', '--peer', `127.0.0.1:${relay.port}`, '--duration', '1s', '--token-file', otherFile]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `bench: TCP_STREAM failed: peer 127.0.0.1:${relay.port}: authentication failed: the client's token does not match this server's token file - give both the same secret\n`,
    );
    assert.equal(server.log().split(' start client=').length, starts, 'no test started');
    assert.deepEqual(messageTypes(Buffer.concat(relay.toServer)).slice(0, 2), ['HELLO', 'AUTH_RESPONSE']);
    const wire = Buffer.concat([...relay.toServer, ...relay.toClient]);
    for (const form of [...secretForms(token), ...secretForms(otherToken)]) assert.equal(wire.indexOf(form), -1);
  } finally {
    await relay.close();
  }
});

test('a client without a token is told the server requires one, and runs nothing', async () => {
  const starts = server.log().split(' start client=').length;
  const r = await runCli(['test', 'UDP_RR', '--peer', `127.0.0.1:${server.port}`, '--duration', '1s']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `bench: UDP_RR failed: peer 127.0.0.1:${server.port} requires a token: pass --token-file (token_file on a scenario peer)\n`,
  );
  // A client that skips the answer and asks for a test anyway is refused by the server.
  const raw = await RawControl.connect(server.port);
  raw.send(hello());
  assert.deepEqual(((await raw.next()) as { auth_required: boolean }).auth_required, true);
  assert.equal((await raw.next()).type, 'AUTH_CHALLENGE');
  raw.send(testRequest('TCP_STREAM'));
  assert.deepEqual(await raw.next(), {
    type: 'ERROR',
    code: 'E_AUTH',
    message: 'this server requires a token: pass --token-file on the client (token_file on a scenario peer)',
  });
  await raw.waitClosed();
  assert.equal(server.log().split(' start client=').length, starts, 'no test started');
});

test('an answer recorded from one session is refused in the next: each challenge is fresh', async () => {
  const relay = await startRelay(server.port);
  let recorded: string;
  try {
    const r = await runCli([
      'test',
      'TCP_RR',
      '--peer',
      `127.0.0.1:${relay.port}`,
      '--duration',
      '300ms',
      '--interval',
      '300ms',
      '--token-file',
      tokenFile,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const frames = new FrameDecoder(1 << 20)
      .push(Buffer.concat(relay.toServer))
      .map((f) => JSON.parse(f.toString('utf8')) as { type: string; mac?: string });
    recorded = frames.find((m) => m.type === 'AUTH_RESPONSE')!.mac!;
    assert.match(recorded, /^[0-9a-f]{64}$/);
  } finally {
    await relay.close();
  }
  const raw = await RawControl.connect(server.port);
  raw.send(hello());
  await raw.next();
  assert.equal((await raw.next()).type, 'AUTH_CHALLENGE');
  raw.send({ type: 'AUTH_RESPONSE', mac: recorded });
  assert.deepEqual(await raw.next(), {
    type: 'ERROR',
    code: 'E_AUTH',
    message: "authentication failed: the client's token does not match this server's token file - give both the same secret",
  });
  await raw.waitClosed();
});

test('token_file on a peer address (as a scenario peer passes it) authenticates the in-process client', async () => {
  const params = resolveParams('UDP_RR', { duration: '300ms', interval: '300ms' });
  const ok = await runTest({ params, peer: { host: '127.0.0.1', port: server.port, name: 'lab-b', token_file: tokenFile } });
  assert.equal(ok.status, 'ok', JSON.stringify(ok.error));
  const wrong = await runTest({ params, peer: { host: '127.0.0.1', port: server.port, name: 'lab-b', token_file: otherFile } });
  assert.deepEqual(wrong.error, {
    code: 'E_AUTH',
    message: `peer lab-b (127.0.0.1:${server.port}): authentication failed: the client's token does not match this server's token file - give both the same secret`,
  });
});

test('unusable token files are refused before anything listens or connects, saying how to make one', async () => {
  const short = join(dir, 'short');
  writeFileSync(short, 'hunter2\n');
  const missing = join(dir, 'missing');
  const serve = await runCli(['serve', '--host', '127.0.0.1', '--port', '0', '--token-file', short], { timeoutMs: 10_000 });
  assert.equal(serve.code, 2);
  assert.equal(
    serve.stderr,
    `bench: token file '${short}' holds 7 characters; use at least 16 (e.g. (umask 077; openssl rand -hex 32 > ${short}))\n`,
  );
  const serveMissing = await runCli(['serve', '--host', '127.0.0.1', '--port', '0', '--token-file', missing], { timeoutMs: 10_000 });
  assert.equal(serveMissing.code, 2);
  assert.equal(
    serveMissing.stderr,
    `bench: cannot read token file '${missing}': ENOENT - create it with a random secret, e.g. (umask 077; openssl rand -hex 32 > ${missing})\n`,
  );
  const client = await runCli(['test', 'TCP_RR', '--peer', `127.0.0.1:${server.port}`, '--token-file', missing]);
  assert.equal(client.code, 1);
  assert.equal(
    client.stderr,
    `bench: TCP_RR failed: cannot read token file '${missing}': ENOENT - create it with a random secret, e.g. (umask 077; openssl rand -hex 32 > ${missing})\n`,
  );
});

test('a token file other users can read is used, with a warning on both sides naming the mode and the fix', async () => {
  const loose = join(dir, 'loose');
  writeFileSync(loose, `${token}\n`, { mode: 0o600 });
  chmodSync(loose, 0o644);
  const warning = `token file '${loose}' can be read by other users (mode 0644): anyone who reads it can run tests - chmod 600 ${loose}`;
  const looseServer = await startServeProcess(['--token-file', loose]);
  try {
    assert.match(looseServer.log(), new RegExp(`^\\S+ warning note=${escapeRegExp(JSON.stringify(warning))}$`, 'm'));
    const r = await runCli([
      'test',
      'TCP_RR',
      '--peer',
      `127.0.0.1:${looseServer.port}`,
      '--duration',
      '300ms',
      '--interval',
      '300ms',
      '--token-file',
      loose,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, `bench: warning: ${warning}\n`);
  } finally {
    await looseServer.stop();
  }
});

test('a token file that never ends (/dev/zero) or is over 4 KiB is refused after reading at most 4 KiB, on both sides', async () => {
  const big = join(dir, 'big');
  writeFileSync(big, 'a'.repeat(4097), { mode: 0o600 });
  const exact = join(dir, 'exact');
  writeFileSync(exact, 'b'.repeat(4096), { mode: 0o600 });
  for (const file of ['/dev/zero', big]) {
    const serve = await runCli(['serve', '--host', '127.0.0.1', '--port', '0', '--token-file', file], { timeoutMs: 10_000 });
    assert.equal(serve.code, 2);
    assert.equal(
      serve.stderr,
      `bench: token file '${file}' holds more than 4096 bytes; a token is one line of 16 or more characters - is this the right file?\n`,
    );
    const client = await runCli(['test', 'TCP_RR', '--peer', `127.0.0.1:${server.port}`, '--token-file', file], { timeoutMs: 10_000 });
    assert.equal(client.code, 1);
    assert.equal(
      client.stderr,
      `bench: TCP_RR failed: token file '${file}' holds more than 4096 bytes; a token is one line of 16 or more characters - is this the right file?\n`,
    );
  }
  // Exactly at the limit is a token like any other.
  const atLimit = await startServeProcess(['--token-file', exact]);
  await atLimit.stop();
});

test('a client given a token is warned when the server did not ask for one: the test ran unauthenticated', async () => {
  const open = await startServeProcess();
  try {
    const r = await runCli([
      'test',
      'TCP_RR',
      '--peer',
      `127.0.0.1:${open.port}`,
      '--duration',
      '300ms',
      '--interval',
      '300ms',
      '--token-file',
      tokenFile,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(parseRun(r.stdout).status, 'ok');
    assert.equal(
      r.stderr,
      `bench: warning: peer 127.0.0.1:${open.port} did not ask for a token (it runs without --token-file): this test ran unauthenticated, and anyone who can reach that server can run tests on it\n`,
    );
    // A client without a token hears nothing about it.
    const plain = await runCli([
      'test',
      'TCP_RR',
      '--peer',
      `127.0.0.1:${open.port}`,
      '--duration',
      '300ms',
      '--interval',
      '300ms',
      '--json',
    ]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stderr, '');
  } finally {
    await open.stop();
  }
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

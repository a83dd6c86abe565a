import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { probePeer } from '../runner/client/probe-peer.js';
import { startServeProcess, type ServeProcess } from './helpers/cli.js';
import { startTestServer } from './helpers/in-process-server.js';
import { encodeFrame } from '../runner/control/frame-decoder.js';
import { encodeMessage } from '../runner/control/messages.js';
import { hello, RawControl, testRequest, waitUntil } from './helpers/raw-control.js';

/**
 * A client that connects only to probe a server (its name, version, whether
 * it asks for a token) says BYE instead of hanging up, and the server closes
 * without a word in its log. A client that hangs up mid-handshake is still
 * logged as a failed one. Read from the log of a real `bench serve`.
 */
const dir = mkdtempSync(join(tmpdir(), 'bench-probe-bye-'));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
after(() => rmSync(dir, { recursive: true, force: true }));

/** The server's log lines after its start-up line. */
function linesAfterStart(serve: ServeProcess): string[] {
  return serve
    .log()
    .split('\n')
    .filter((l) => l !== '' && !/ listening /.test(l));
}

/**
 * Hangs up after WELCOME (and the challenge, when one comes), then waits for
 * the server's line about it. The probes before it were done when their
 * server closed: a line about them would stand before this one.
 */
async function hangUpMidHandshake(serve: ServeProcess, challenge: boolean): Promise<number> {
  const raw = await RawControl.connect(serve.port);
  raw.send(hello());
  assert.equal((await raw.next()).type, 'WELCOME');
  if (challenge) assert.equal((await raw.next()).type, 'AUTH_CHALLENGE');
  raw.destroy();
  await waitUntil(() => serve.log().includes('status=failed'), 5000, `the server logged the client that hung up; its log: ${serve.log()}`);
  return raw.localPort;
}

test('a probe says BYE and leaves no failure in the server log; a client hanging up mid-handshake still does', async () => {
  const serve = await startServeProcess(['--name', 'probed-host']);
  try {
    assert.equal(await probePeer({ host: '127.0.0.1', port: serve.port }, 5000), 'probed-host');
    // BYE right behind HELLO, in the same segment: the server answers HELLO and closes.
    const eager = await RawControl.connect(serve.port);
    eager.write(Buffer.concat([encodeFrame(encodeMessage(hello() as never)), encodeFrame(encodeMessage({ type: 'BYE' }))]));
    await eager.waitClosed();
    assert.deepEqual(
      eager.received.map((m) => m.type),
      ['WELCOME'],
    );
    const port = await hangUpMidHandshake(serve, false);
    const lines = linesAfterStart(serve);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(
      lines[0],
      new RegExp(
        ` test client=127\\.0\\.0\\.1:${port} test=- status=failed error="client 127\\.0\\.0\\.1:${port} closed the control connection"$`,
      ),
    );
  } finally {
    await serve.stop();
  }
});

test('a probe of a server that requires a token says BYE instead of answering the challenge, and is not logged either', async () => {
  const serve = await startServeProcess(['--name', 'locked-host', '--token-file', tokenFile]);
  try {
    assert.equal(await probePeer({ host: '127.0.0.1', port: serve.port }, 5000), 'locked-host');
    assert.equal(await probePeer({ host: '127.0.0.1', port: serve.port }, 5000), 'locked-host');
    const port = await hangUpMidHandshake(serve, true);
    const lines = linesAfterStart(serve);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], new RegExp(` test client=127\\.0\\.0\\.1:${port} test=- status=failed error=`));
  } finally {
    await serve.stop();
  }
});

test('probes count as no tests served, and leave the server with no connection in the handshake', async () => {
  const s = await startTestServer({ name: 'counted' });
  try {
    for (let i = 0; i < 3; i++) assert.equal(await probePeer({ host: '127.0.0.1', port: s.port }, 5000), 'counted');
    assert.equal(s.server.testsServed, 0);
    assert.equal(s.server.pendingHandshakes, 0);
    assert.deepEqual(s.log.events, []);
  } finally {
    await s.close();
  }
});

test('BYE once a test is under way is out of order, and the server says so', async () => {
  const serve = await startServeProcess();
  const holder = await RawControl.connect(serve.port);
  const late = await RawControl.connect(serve.port);
  try {
    // The holder keeps the server busy (it never attaches), so the second client waits in the queue.
    holder.send(hello());
    holder.send(testRequest('TCP_RR'));
    assert.equal((await holder.next()).type, 'WELCOME');
    assert.equal((await holder.nextAfterQueue()).type, 'READY');
    late.send(hello());
    late.send(testRequest('TCP_RR'));
    assert.equal((await late.next()).type, 'WELCOME');
    assert.deepEqual(await late.next(), { type: 'QUEUED', position: 1 });
    late.send({ type: 'BYE' });
    assert.deepEqual(await late.next(), {
      type: 'ERROR',
      code: 'E_PROTOCOL',
      message: `unexpected BYE from client 127.0.0.1:${late.localPort} while waiting in the queue`,
    });
  } finally {
    holder.destroy();
    late.destroy();
    await serve.stop();
  }
});

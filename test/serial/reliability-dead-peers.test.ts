import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import type { TestName } from '../../runner/core/test-params.js';
import { nativeIo } from '../../runner/native/native-io.js';
import { normalTest, startTestServer } from '../helpers/in-process-server.js';
import { CLI, parseRun, runCli, startServeProcess, type ServeProcess } from '../helpers/cli.js';
import { connectTcpData, RawControl, requestTest, testRequest, waitUntil } from '../helpers/raw-control.js';

/**
 * Peers that die or stop mid-test: the server must free the test within its
 * timeout and serve the next client; a client must report a dead server
 * within its timeout, naming it.
 */
const TIMEOUT_S = 2;
const TESTS: TestName[] = ['TCP_STREAM', 'UDP_STREAM', 'TCP_RR', 'UDP_RR'];
/** Time to notice beyond the deadline itself: process scheduling on a busy 2-core machine. */
const SLACK_MS = 1500;

interface ClientProcess {
  child: ChildProcess;
  stdout(): string;
  output: Promise<{ code: number | null; stderr: string; stdout: string }>;
}

function spawnClient(test: TestName, port: number): ClientProcess {
  const child = spawn(
    process.execPath,
    [CLI, 'test', test, '--peer', `127.0.0.1:${port}`, '--duration', '20s', '--interval', '500ms', '--timeout', `${TIMEOUT_S}s`],
    { env: { ...process.env, NO_COLOR: '1' } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const output = new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr, stdout })),
  );
  return { child, stdout: () => stdout, output };
}

function lines(server: ServeProcess, pattern: RegExp): string[] {
  return server
    .log()
    .split('\n')
    .filter((l) => pattern.test(l));
}

/** Mid-test: the client has printed its first live interval, so data flows both ways. */
async function waitForData(client: ClientProcess): Promise<void> {
  await waitUntil(() => /^\[\s*0\.00-/m.test(client.stdout()), 15_000, `the client prints its first interval: ${client.stdout()}`);
}

/** The server's one line about a test that failed, once it is logged. */
async function failureLine(server: ServeProcess, test: TestName, withinMs: number): Promise<string> {
  const pattern = new RegExp(` test client=\\S+ test=${test} status=failed`);
  await waitUntil(() => lines(server, pattern).length === 1, withinMs, `the server frees the ${test} test: ${server.log()}`);
  return lines(server, pattern)[0];
}

test('a client killed mid-test (SIGKILL) in each of the four tests: the server frees the test at once and serves the next client', async () => {
  const server = await startServeProcess(['--timeout', `${TIMEOUT_S}s`]);
  try {
    for (const victim of TESTS) {
      const client = spawnClient(victim, server.port);
      await waitForData(client);
      const killedAt = Date.now();
      client.child.kill('SIGKILL');
      const failure = await failureLine(server, victim, TIMEOUT_S * 1000 + SLACK_MS);
      const freedMs = Date.now() - killedAt;
      assert.ok(freedMs < TIMEOUT_S * 1000 + SLACK_MS, `${victim} freed ${freedMs} ms after the kill`);
      // Whichever the server hears of first: the control connection's end or a data socket's reset.
      assert.match(
        failure,
        /error="(client 127\.0\.0\.1:\d+ closed the control connection|client 127\.0\.0\.1:\d+ reset the control connection - did it stop or crash\?|data connection failed: (read|write) (ECONNRESET|EPIPE) - did the peer stop\?)"$/,
      );
      const next = await runCli([
        'test',
        'TCP_RR',
        '--peer',
        `127.0.0.1:${server.port}`,
        '--duration',
        '300ms',
        '--interval',
        '300ms',
        '--json',
      ]);
      assert.equal(next.code, 0, next.stderr);
      assert.equal(parseRun(next.stdout).status, 'ok');
    }
    assert.equal(server.process.exitCode, null, 'the server is still up');
  } finally {
    await server.stop();
  }
});

test('a frozen client (SIGSTOP) mid-test: the server frees the test within its timeout, not at the end of the duration', async () => {
  const server = await startServeProcess(['--timeout', `${TIMEOUT_S}s`]);
  const frozen: ChildProcess[] = [];
  try {
    // TCP_STREAM: the server is the receiver, and hears nothing more from a frozen sender.
    for (const victim of ['TCP_STREAM'] as const) {
      const client = spawnClient(victim, server.port);
      frozen.push(client.child);
      await waitForData(client);
      const stoppedAt = Date.now();
      client.child.kill('SIGSTOP');
      // A client that queues meanwhile is served once the frozen one is dropped.
      const next = runCli(['test', 'UDP_RR', '--peer', `127.0.0.1:${server.port}`, '--duration', '300ms', '--interval', '300ms', '--json']);
      const failure = await failureLine(server, victim, TIMEOUT_S * 1000 + SLACK_MS);
      assert.ok(Date.now() - stoppedAt < TIMEOUT_S * 1000 + SLACK_MS);
      assert.match(failure, new RegExp(`error="data connection silent for ${TIMEOUT_S}s - the peer stopped or the path is down"$`));
      const r = await next;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(parseRun(r.stdout).status, 'ok');
    }
  } finally {
    for (const child of frozen) child.kill('SIGKILL');
    await server.stop();
  }
});

test('a --reverse TCP_STREAM client whose data socket never reads: the server frees the test within its timeout and serves the queue', async () => {
  const s = await startTestServer({ timeout_s: TIMEOUT_S });
  try {
    const raw = await RawControl.connect(s.port);
    const ready = await requestTest(raw, testRequest('TCP_STREAM', { reverse: true, duration_s: 20, timeout_s: 30 }));
    const data = await connectTcpData(ready.data_ports[0], ready.cookie);
    // Never read: the kernel buffers fill and the server's writes stall.
    data.pause();
    assert.equal((await raw.next()).type, 'ATTACHED');
    raw.send({ type: 'START' });
    const startedAt = Date.now();
    const queued = normalTest(s.port);
    let error = await raw.next(2 * TIMEOUT_S * 1000 + SLACK_MS);
    while (error.type === 'INTERVAL') error = await raw.next(2 * TIMEOUT_S * 1000 + SLACK_MS);
    const freedMs = Date.now() - startedAt;
    // The client asked for 30s; the server holds a silent peer no longer than its own 2s.
    if (nativeIo) {
      // The native sender's progress timeout: no byte taken for 2s, checked after every 2 ms slice.
      assert.deepEqual(error, {
        type: 'ERROR',
        code: 'E_DATA_PATH',
        message: `the receiver took no data for ${TIMEOUT_S}s - the peer stopped reading or the path is down`,
      });
      assert.ok(freedMs < TIMEOUT_S * 1000 + SLACK_MS, `freed after ${freedMs} ms`);
    } else {
      assert.deepEqual(error, {
        type: 'ERROR',
        code: 'E_DATA_PATH',
        message: `data connection silent for ${TIMEOUT_S}s - the peer stopped or the path is down`,
      });
      // Node's socket timeout is 'no progress for 2s', checked at 2s intervals: a
      // write that still moved a little just before a check earns one more period.
      assert.ok(freedMs < 2 * TIMEOUT_S * 1000 + SLACK_MS, `freed after ${freedMs} ms`);
    }
    await raw.waitClosed(2000);
    data.destroy();
    const run = await queued;
    assert.equal(run.status, 'ok', JSON.stringify(run.error));
    await s.waitForTests(2);
    assert.deepEqual(
      s.log.events.filter((e) => e.event === 'test').map((e) => `${e.fields.test} ${e.fields.status}`),
      ['TCP_STREAM failed', 'TCP_RR ok'],
    );
  } finally {
    await s.close();
  }
});

test('a server killed mid-test (SIGKILL) in each of the four tests: the client exits 1 at once with an error naming the peer', async () => {
  for (const victim of TESTS) {
    const server = await startServeProcess(['--timeout', `${TIMEOUT_S}s`]);
    try {
      const client = spawnClient(victim, server.port);
      await waitForData(client);
      const killedAt = Date.now();
      server.process.kill('SIGKILL');
      const r = await client.output;
      const tookMs = Date.now() - killedAt;
      assert.equal(r.code, 1, r.stderr);
      assert.ok(tookMs < TIMEOUT_S * 1000 + SLACK_MS, `${victim}: the client gave up ${tookMs} ms after the kill`);
      // Whichever the client hears of first: the control connection's end, or a data socket's error.
      assert.ok(
        [
          `bench: ${victim} failed: peer 127.0.0.1:${server.port} closed the control connection`,
          `bench: ${victim} failed: peer 127.0.0.1:${server.port} reset the control connection - did it stop or crash?`,
          `bench: ${victim} failed: peer 127.0.0.1:${server.port}: data connection failed: read ECONNRESET - did the peer stop?`,
          `bench: ${victim} failed: peer 127.0.0.1:${server.port}: data connection failed: write ECONNRESET - did the peer stop?`,
          `bench: ${victim} failed: peer 127.0.0.1:${server.port}: data connection failed: write EPIPE - did the peer stop?`,
          // The kernel answers a datagram to the dead server's port with ICMP port unreachable.
          `bench: ${victim} failed: peer 127.0.0.1:${server.port}: UDP data socket failed: recvmsg ECONNREFUSED - did the peer stop?`,
          `bench: ${victim} failed: peer 127.0.0.1:${server.port}: UDP data socket failed: send ECONNREFUSED - did the peer stop?`,
        ].includes(r.stderr.trim()),
        r.stderr,
      );
    } finally {
      await server.stop();
    }
  }
});

test('a frozen server (SIGSTOP) mid-UDP test: the client gives up within its timeout, naming the peer', async () => {
  // Over UDP no missing ack tells the client; only the server's samples falling silent do (TCP adds its own socket timeout).
  for (const victim of ['UDP_STREAM', 'UDP_RR'] as const) {
    const server = await startServeProcess(['--timeout', `${TIMEOUT_S}s`]);
    try {
      const client = spawnClient(victim, server.port);
      await waitForData(client);
      const stoppedAt = Date.now();
      server.process.kill('SIGSTOP');
      const r = await client.output;
      const tookMs = Date.now() - stoppedAt;
      assert.equal(r.code, 1, r.stderr);
      // The server's samples stop: silence for the timeout beyond one interval (0.5s) is a dead server.
      assert.ok(tookMs < (TIMEOUT_S + 0.5) * 1000 + SLACK_MS, `${victim}: the client gave up ${tookMs} ms after the server froze`);
      assert.equal(
        r.stderr,
        `bench: ${victim} failed: peer 127.0.0.1:${server.port} sent nothing for ${TIMEOUT_S + 0.5}s while running the test - is it still running?\n`,
      );
    } finally {
      server.process.kill('SIGKILL');
      await server.stop();
    }
  }
});

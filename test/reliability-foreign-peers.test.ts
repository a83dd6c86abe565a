import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { CLI, runCli, startServeProcess } from './helpers/cli.js';
import { waitUntil } from './helpers/raw-control.js';

/**
 * Peers that are not what the user thinks: a web server on the port, a port
 * that accepts and never answers, and a server that gave up on a client that
 * was stopped. Each is reported as what it is, by the one who knows.
 */
function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

test('a web server on the port is named as one: "this is not a bench peer: it speaks HTTP", not a 1.2 GB control frame', async () => {
  const web = http.createServer((_, res) => res.end('hello'));
  const port = await listen(web);
  try {
    const r = await runCli(['test', 'TCP_RR', '--peer', `127.0.0.1:${port}`, '--duration', '1s']);
    assert.equal(r.code, 1);
    // Node's HTTP server answers the bench HELLO, which is no HTTP request, with 400.
    assert.equal(
      r.stderr,
      `bench: TCP_RR failed: peer 127.0.0.1:${port}: this is not a bench peer: it speaks HTTP ("HTTP/1.1 400 Bad Request") - check the host and port\n`,
    );
  } finally {
    web.closeAllConnections();
    await close(web);
  }
});

test('a port that accepts and never answers: the client says what it waits for after 2s, then gives up at its timeout', async () => {
  const held: net.Socket[] = [];
  const silent = net.createServer((socket) => held.push(socket));
  const port = await listen(silent);
  try {
    const child = spawn(process.execPath, [CLI, 'test', 'TCP_RR', '--peer', `127.0.0.1:${port}`, '--duration', '1s', '--timeout', '4s'], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const waiting = `bench: waiting for 127.0.0.1:${port} to answer the bench handshake (giving up after 4s)...\n`;
    // The notice comes while the client still waits, not with its failure.
    await waitUntil(() => stderr.length > 0, 10_000, 'the client says what it waits for');
    assert.equal(stderr, waiting);
    assert.equal(child.exitCode, null, 'still waiting when it says so');
    assert.equal(await exited, 1);
    assert.equal(
      stderr,
      `${waiting}bench: TCP_RR failed: peer 127.0.0.1:${port} sent nothing for 4s while waiting for the server to answer HELLO - is it still running?\n`,
    );
  } finally {
    for (const s of held) s.destroy();
    await close(silent);
  }
});

test('a client stopped (SIGSTOP) past the server timeout, then continued, reports the server giving up on it, not the server as silent', async () => {
  const server = await startServeProcess(['--timeout', '2s']);
  try {
    const child = spawn(
      process.execPath,
      [CLI, 'test', 'TCP_STREAM', '--peer', `127.0.0.1:${server.port}`, '--duration', '30s', '--interval', '500ms', '--timeout', '2s'],
      {
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitUntil(() => /^\[\s*0\.00-/m.test(stdout), 15_000, `the client prints its first interval: ${stdout}`);
    child.kill('SIGSTOP');
    // The length of the stop is the case itself (the report's was 40s): well past both sides' deadlines
    // (the server's 2s, the client's 2s plus an interval), so that on waking the client's own timer fires too.
    const stoppedFor = new Promise((resolve) => setTimeout(resolve, 5000));
    // While it is stopped, the server gives up on it and says why on the control connection.
    const failed = / test client=\S+ test=TCP_STREAM status=failed error="([^"]+)"/;
    await waitUntil(() => failed.test(server.log()), 15_000, `the server gives up on the stopped client: ${server.log()}`);
    const serverSaid = failed.exec(server.log())![1];
    assert.equal(serverSaid, 'data connection silent for 2s - the peer stopped or the path is down');
    await stoppedFor;
    child.kill('SIGCONT');
    assert.equal(await exited, 1);
    assert.equal(stderr, `bench: TCP_STREAM failed: peer 127.0.0.1:${server.port}: ${serverSaid}\n`);
  } finally {
    await server.stop();
  }
});

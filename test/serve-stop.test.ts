import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { runCli, startServeProcess, type ServeProcess } from './helpers/cli.js';

/**
 * `bench serve` stopped by a service manager (SIGTERM) while one client is in
 * a test and another waits in the queue: both are told why, as the server's
 * ERROR, rather than reading a bare close as a fault of the network; nothing
 * starts after the stop; the server exits 0.
 */

/** Resolves when the server's log has a line matching `pattern` (it may have one already). */
function logLine(server: ServeProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    if (pattern.test(server.log())) return resolve();
    const onData = (): void => {
      if (!pattern.test(server.log())) return;
      server.process.stderr!.off('data', onData);
      resolve();
    };
    // Registered after startServeProcess's own listener, so log() already holds this chunk.
    server.process.stderr!.on('data', onData);
  });
}

const STOPPING = "the server is stopping (SIGTERM): run the test again once 'bench serve' is back";

test('SIGTERM during a test and with a client queued: both clients are told the server is stopping, and it exits 0', async () => {
  const server = await startServeProcess();
  const peer = ['--peer', `127.0.0.1:${server.port}`];
  const running = runCli(['test', 'TCP_STREAM', ...peer, '-t', '60s', '--json'], { timeoutMs: 30_000 });
  await logLine(server, / start client=\S+ test=TCP_STREAM/);
  const queued = runCli(['test', 'UDP_RR', ...peer, '-t', '60s', '--json'], { timeoutMs: 30_000 });
  await logLine(server, / queued client=\S+ test=UDP_RR position=1/);

  const exited = once(server.process, 'exit');
  server.process.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0, server.log());

  for (const [name, result] of [
    ['TCP_STREAM (running)', await running],
    ['UDP_RR (queued)', await queued],
  ] as const) {
    assert.equal(result.code, 1, `${name}: ${result.stderr}`);
    assert.ok(result.stderr.includes(`peer 127.0.0.1:${server.port}: ${STOPPING}`), `${name}: ${result.stderr}`);
    const run = JSON.parse(result.stdout) as { status: string; error: { code: string } };
    assert.equal(run.status, 'failed');
    assert.equal(run.error.code, 'E_PEER_CLOSED');
  }
  const log = server.log();
  const afterStop = log.slice(log.indexOf(' stopping signal=SIGTERM'));
  assert.doesNotMatch(afterStop, / start client=/, log);
  assert.equal(afterStop.match(/status=failed error="the server is stopping \(SIGTERM\)/g)?.length, 2, log);
});

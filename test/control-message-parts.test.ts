import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createServerTokenAuth } from '../runner/auth/token-auth.js';
import { runRemoteTest } from '../runner/client/remote-test.js';
import { MAX_CONTROL_FRAME_BYTES } from '../runner/control/messages.js';
import { defaultParams } from '../runner/core/params.js';
import type { RrulFigures, RunObject } from '../runner/core/run-object.js';
import { startBenchServer } from '../runner/server/bench-server.js';
import { parseRun, runCli } from './helpers/cli.js';

/**
 * A REMOTE_RESULT of a 30-minute RRUL run at the default probe interval:
 * 180,400 probes' round trips and 1,804 intervals, megabytes of run object,
 * travels from the server that ran it to the orchestrator in frames of at
 * most 256 KB and arrives whole, every figure as it left. The run object is
 * a real RRUL run's, stretched to that length (a 30-minute run is no test to
 * wait for); the control connection and both ends are real.
 */
const dir = mkdtempSync(join(tmpdir(), 'bench-message-parts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a 30-minute RRUL run object (180,400 probes, 1,804 intervals) reaches the orchestrator whole, in frames of 256 KB at most', async () => {
  const r = await runCli(['test', 'RRUL', '--duration', '1s', '--idle', '0.5s', '--interval', '0.5s', '--json'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const short: RunObject = parseRun(r.stdout);
  const probes = (30 * 60 + 2 * 2) * 100;
  const long: RunObject = {
    ...short,
    params: { ...short.params, duration_s: 1800, idle_s: 2 },
    summary: { ...(short.summary as RrulFigures), probes_sent: probes },
    intervals: Array.from({ length: 1804 }, (_, k) => ({ ...short.intervals[k % short.intervals.length], start_s: k, end_s: k + 1 })),
    rrul: {
      ...short.rrul!,
      // Round trips of every length a loaded link gives, and a few never echoed.
      rtt_us: Array.from({ length: probes }, (_, k) => (k % 997 === 0 ? null : 100 + ((k * 7919) % 250_000) + (k % 1000) / 1000)),
    },
  };
  assert.ok(JSON.stringify(long).length > 8 * MAX_CONTROL_FRAME_BYTES);

  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const server = await startBenchServer({
    host: '127.0.0.1',
    port: 0,
    timeout_s: 10,
    auth: await createServerTokenAuth(tokenFile, () => {}),
    // The client side of the test is what this test is not about: it hands over the run object as a run would.
    remote: async () => long,
  });
  try {
    const params = { ...defaultParams('RRUL'), duration_s: 1800 };
    const run = await runRemoteTest({
      params,
      from: { host: '127.0.0.1', port: server.address.port, token_file: tokenFile },
      peer: { host: '127.0.0.1', port: 9 },
    });
    assert.equal(run.status, 'ok', JSON.stringify(run.error));
    assert.equal(run.rrul!.rtt_us.length, probes);
    assert.deepEqual(run.rrul, long.rrul);
    assert.deepEqual(run.intervals, long.intervals);
    assert.deepEqual(run.summary, long.summary);
  } finally {
    await server.close();
  }
});

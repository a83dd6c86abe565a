import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RrFigures, RunObject, StreamFigures } from '../runner/core/run-object.js';
import { parseRun, runCli } from './helpers/cli.js';

/**
 * Both data paths, every test type, end to end through `bench test` and its
 * embedded server: the native C loops (the default where built) and Node's
 * sockets (BENCH_DATA_PATH=js, the fallback where no compiler is at hand).
 * Each run must say which path it ran and give consistent figures.
 */
async function benchTest(test: string, dataPath: 'native' | 'js', extra: string[] = []): Promise<RunObject> {
  const env = dataPath === 'js' ? { BENCH_DATA_PATH: 'js' } : { BENCH_DATA_PATH: '' };
  const r = await runCli(['test', test, '--duration', '1s', '--interval', '0.5s', '--json', ...extra], { env, timeoutMs: 60_000 });
  assert.equal(r.code, 0, `exit code ${r.code}: ${r.stderr}`);
  const run = parseRun(r.stdout);
  assert.equal(run.status, 'ok', JSON.stringify(run.error));
  assert.equal(run.client.data_path, dataPath, 'client data path');
  assert.equal(run.server.data_path, dataPath, 'server data path');
  assert.equal(run.intervals.length, 2);
  return run;
}

for (const dataPath of ['native', 'js'] as const) {
  test(`${dataPath} data path: TCP_STREAM delivers every byte counted`, async () => {
    const s = (await benchTest('TCP_STREAM', dataPath)).summary as StreamFigures;
    assert.ok(s.bytes_received > 0);
    assert.equal(s.bytes_received, s.bytes_sent);
  });

  test(`${dataPath} data path: UDP_STREAM paced at 20 Mbit/s arrives whole at about that rate`, async () => {
    const s = (await benchTest('UDP_STREAM', dataPath, ['--rate', '20M'])).summary as StreamFigures;
    assert.ok(Math.abs(s.sender_mbps - 20) < 2, `sender ${s.sender_mbps} Mbit/s`);
    assert.equal(s.packets_lost, 0);
    assert.equal(s.packets_received, s.packets_sent);
  });

  test(`${dataPath} data path: TCP_RR and UDP_RR count transactions and their latency`, async () => {
    for (const name of ['TCP_RR', 'UDP_RR']) {
      const s = (await benchTest(name, dataPath)).summary as RrFigures;
      assert.ok(s.transactions > 100, `${name}: ${s.transactions} transactions`);
      assert.ok(s.latency_us.p50 > 0 && s.latency_us.p50 <= s.latency_us.p99, `${name}: p50 ${s.latency_us.p50} p99 ${s.latency_us.p99}`);
    }
  });
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RrFigures, RunObject, StreamFigures } from '../runner/core/run-object.js';
import { parseRun, runCli, startServeProcess, type ServeProcess } from './helpers/cli.js';
import { nativeSkip } from './helpers/socket-pairs.js';

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
  const skip = dataPath === 'native' ? nativeSkip : false;
  test(`${dataPath} data path: TCP_STREAM delivers every byte counted`, { skip }, async () => {
    const s = (await benchTest('TCP_STREAM', dataPath)).summary as StreamFigures;
    assert.ok(s.bytes_received > 0);
    assert.equal(s.bytes_received, s.bytes_sent);
  });

  test(`${dataPath} data path: UDP_STREAM paced at 20 Mbit/s arrives whole at about that rate`, { skip }, async () => {
    const s = (await benchTest('UDP_STREAM', dataPath, ['--rate', '20M'])).summary as StreamFigures;
    assert.ok(Math.abs(s.sender_mbps - 20) < 2, `sender ${s.sender_mbps} Mbit/s`);
    assert.equal(s.packets_lost, 0);
    assert.equal(s.packets_received, s.packets_sent);
  });

  test(`${dataPath} data path: TCP_RR and UDP_RR count transactions and their latency`, { skip }, async () => {
    for (const name of ['TCP_RR', 'UDP_RR']) {
      const s = (await benchTest(name, dataPath)).summary as RrFigures;
      // Counts, not speed: every transaction the intervals counted is in the summary, and there were some.
      assert.ok(s.transactions > 0, `${name}: ${s.transactions} transactions`);
      assert.ok(s.latency_us.p50 > 0 && s.latency_us.p50 <= s.latency_us.p99, `${name}: p50 ${s.latency_us.p50} p99 ${s.latency_us.p99}`);
    }
  });
}

/** `bench serve` in its own process on one data path (BENCH_DATA_PATH is read when a process loads the data path). */
async function serveOn(dataPath: 'native' | 'js'): Promise<ServeProcess> {
  const before = process.env.BENCH_DATA_PATH;
  process.env.BENCH_DATA_PATH = dataPath === 'js' ? 'js' : '';
  try {
    return await startServeProcess();
  } finally {
    if (before === undefined) delete process.env.BENCH_DATA_PATH;
    else process.env.BENCH_DATA_PATH = before;
  }
}

// Each path opens its own sockets with the same handshakes (cookie, UDP hello/ack), so either client works with either server.
for (const [clientPath, serverPath] of [
  ['native', 'js'],
  ['js', 'native'],
] as const) {
  test(`a ${clientPath} client and a ${serverPath} server run every test type together, each on its own path`, {
    skip: nativeSkip,
  }, async () => {
    const server = await serveOn(serverPath);
    try {
      for (const [name, extra] of [
        ['TCP_STREAM', []],
        ['TCP_STREAM', ['--reverse']],
        ['UDP_STREAM', ['--rate', '20M']],
        ['TCP_RR', []],
        ['UDP_RR', []],
      ] as const) {
        const env = { BENCH_DATA_PATH: clientPath === 'js' ? 'js' : '' };
        const args = ['test', name, '--peer', `127.0.0.1:${server.port}`, '--duration', '1s', '--interval', '0.5s', '--json', ...extra];
        const r = await runCli(args, { env, timeoutMs: 60_000 });
        assert.equal(r.code, 0, `${name} ${extra.join(' ')}: exit code ${r.code}: ${r.stderr}`);
        const run = parseRun(r.stdout);
        assert.equal(run.status, 'ok', `${name}: ${JSON.stringify(run.error)}`);
        assert.deepEqual([run.client.data_path, run.server.data_path], [clientPath, serverPath], name);
        if (name === 'TCP_STREAM') {
          const s = run.summary as StreamFigures;
          assert.ok(s.bytes_received > 0, `${name}: nothing received`);
          assert.equal(s.bytes_received, s.bytes_sent, `${name} ${extra.join(' ')}: every byte sent arrived`);
        } else if (name === 'UDP_STREAM') {
          const s = run.summary as StreamFigures;
          assert.equal(s.packets_lost, 0);
          assert.equal(s.packets_received, s.packets_sent);
        } else {
          const s = run.summary as RrFigures;
          assert.ok(s.transactions > 0, `${name}: no transaction`);
        }
      }
    } finally {
      await server.stop();
    }
  });
}

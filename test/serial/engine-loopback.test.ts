import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RrFigures, RunObject, StreamFigures } from '../../runner/core/run-object.js';
import { parseRun, runCli, startServeProcess, type ServeProcess } from '../helpers/cli.js';

/**
 * Each test end to end: a real `bench serve` process, the real CLI with
 * --json, real sockets on loopback. Figures are checked for consistency and
 * plausibility, never for speed (machines here are shared and noisy).
 */
let server: ServeProcess;
before(async () => {
  server = await startServeProcess();
});
after(async () => {
  await server.stop();
});

async function benchTest(args: string[]): Promise<RunObject> {
  const r = await runCli(['test', ...args, '--peer', `127.0.0.1:${server.port}`, '--json'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `exit code ${r.code}: ${r.stderr}`);
  const run = parseRun(r.stdout);
  assert.equal(run.status, 'ok', JSON.stringify(run.error));
  return run;
}

function checkIntervalsTile(run: RunObject): void {
  for (let k = 1; k < run.intervals.length; k++) {
    assert.equal(run.intervals[k].start_s, run.intervals[k - 1].end_s, `interval ${k} starts where ${k - 1} ends`);
  }
  assert.equal(run.intervals[0].start_s, 0);
}

test('TCP_STREAM: every byte sent is received, and the figures agree with each other', async () => {
  const run = await benchTest(['TCP_STREAM', '--duration', '2s']);
  const s = run.summary as StreamFigures;
  assert.equal(s.bytes_received, s.bytes_sent, 'TCP delivers every byte');
  assert.ok(s.bytes_received > 0);
  const expectedMbps = (s.bytes_received * 8) / run.duration_s / 1e6;
  assert.ok(Math.abs(s.throughput_mbps - expectedMbps) / expectedMbps < 0.01, `${s.throughput_mbps} vs ${expectedMbps}`);
  assert.equal(run.params.size_bytes, 65536);
  assert.equal(run.intervals.length, 2);
  checkIntervalsTile(run);
  const intervalBytes = run.intervals.reduce((a, i) => a + (i.figures as StreamFigures).bytes_received, 0);
  assert.equal(intervalBytes, s.bytes_received, 'intervals add up to the summary');
  assert.ok(run.duration_s >= 1.9 && run.duration_s < 2.5, `measured ${run.duration_s}s`);
  assert.equal(typeof run.client.cpu_percent, 'number');
  assert.equal(typeof run.server.cpu_percent, 'number');
});

test('UDP_STREAM paced at 200M: the sender holds the rate, and loss accounting adds up', async () => {
  const run = await benchTest(['UDP_STREAM', '--duration', '2s', '--rate', '200M']);
  const s = run.summary as StreamFigures;
  assert.ok(s.sender_mbps > 190 && s.sender_mbps < 210, `sender ${s.sender_mbps} Mbit/s for a 200M target`);
  assert.equal(s.bytes_sent, s.packets_sent! * 1472);
  assert.ok(s.packets_received! <= s.packets_sent!);
  assert.equal(s.packets_lost, s.packets_sent! - s.packets_received!);
  assert.ok(s.loss_percent! >= 0 && s.loss_percent! <= 100);
  assert.ok(s.jitter_ms! >= 0);
  assert.equal(s.duplicates, 0);
  checkIntervalsTile(run);
});

test('TCP_RR: transactions, rate and latency percentiles are consistent and ordered', async () => {
  const run = await benchTest(['TCP_RR', '--duration', '2s']);
  const s = run.summary as RrFigures;
  assert.ok(s.transactions > 100, `${s.transactions} transactions`);
  const rate = s.transactions / run.duration_s;
  assert.ok(Math.abs(s.transactions_per_sec - rate) / rate < 0.01);
  const l = s.latency_us;
  assert.ok(l.min > 0 && l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, JSON.stringify(l));
  assert.ok(l.min <= l.mean && l.mean <= l.max);
  // One transaction in flight at a time: the mean round trip bounds the rate.
  assert.ok(s.transactions_per_sec <= (1e6 / l.mean) * 1.05, `${s.transactions_per_sec}/s with a mean of ${l.mean} µs`);
});

test('UDP_RR: every request is answered, timed out or lost, and nothing is counted twice', async () => {
  const run = await benchTest(['UDP_RR', '--duration', '2s']);
  const s = run.summary as RrFigures;
  assert.ok(s.transactions > 100);
  assert.ok(s.requests_sent! >= s.transactions);
  assert.ok(s.lost! <= s.requests_sent! - s.transactions);
  assert.ok(s.loss_percent! >= 0 && s.loss_percent! <= 100);
  assert.ok(s.latency_us.p50 <= s.latency_us.p99);
});

test('--streams 2: each interval carries both streams and sums them', async () => {
  const run = await benchTest(['TCP_STREAM', '--duration', '2s', '--streams', '2']);
  for (const interval of run.intervals) {
    assert.equal(interval.streams?.length, 2);
    const parts = interval.streams as StreamFigures[];
    assert.equal((interval.figures as StreamFigures).bytes_received, parts[0].bytes_received + parts[1].bytes_received);
    assert.ok(
      parts.every((p) => p.bytes_received > 0),
      'both streams moved data',
    );
  }
  const s = run.summary as StreamFigures;
  assert.equal(s.bytes_received, s.bytes_sent);
});

test('--reverse: the server sends and the client receives', async () => {
  const run = await benchTest(['UDP_STREAM', '--duration', '2s', '--rate', '50M', '--reverse']);
  const s = run.summary as StreamFigures;
  assert.equal(run.params.reverse, true);
  assert.ok(s.sender_mbps > 45 && s.sender_mbps < 55, `sender ${s.sender_mbps}`);
  assert.ok(s.packets_received! > 0 && s.packets_received! <= s.packets_sent!);
});

test('--omit leaves the first interval out of the summary but keeps it, marked', async () => {
  const run = await benchTest(['TCP_STREAM', '--duration', '3s', '--omit', '1s']);
  assert.deepEqual(
    run.intervals.map((i) => i.omitted),
    [true, false, false],
  );
  const kept = run.intervals.filter((i) => !i.omitted).reduce((a, i) => a + (i.figures as StreamFigures).bytes_received, 0);
  assert.equal((run.summary as StreamFigures).bytes_received, kept);
  assert.ok(run.duration_s > 1.9 && run.duration_s < 2.5, `summary covers ${run.duration_s}s after omit`);
});

test('the server logs one line per test and stays up after each', () => {
  const lines = server
    .log()
    .split('\n')
    .filter((l) => / test client=/.test(l));
  assert.equal(lines.length, 7);
  assert.ok(
    lines.every((l) => l.includes('status=ok')),
    lines.join('\n'),
  );
  assert.equal(server.process.exitCode, null);
});

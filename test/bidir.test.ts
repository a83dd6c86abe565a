import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamReport, StreamSample } from '../runner/control/messages.js';
import { checkParams, defaultParams } from '../runner/core/params.js';
import type { RunObject, StreamFigures } from '../runner/core/run-object.js';
import type { TestParams } from '../runner/core/test-params.js';
import { computeFigures } from '../runner/measure/run-figures.js';
import { nativeIoUnavailable } from '../runner/native/native-io.js';
import { runCli } from './helpers/cli.js';

/**
 * bidir: `streams` connections each way at once, each direction's figures
 * counted by its own receiver (the server's for upload, the client's for
 * download), beside the totals.
 */
function sample(t: number, counts: Partial<StreamSample> = {}): StreamSample {
  return {
    t,
    bytes: 0,
    packets: 0,
    lost: 0,
    out_of_order: 0,
    duplicates: 0,
    jitter_ms: 0,
    transactions: 0,
    requests_sent: 0,
    timeouts: 0,
    late_replies: 0,
    interval_latency_us: null,
    ...counts,
  };
}

function report(stream: number, role: StreamReport['role'], samples: StreamSample[]): StreamReport {
  return { stream, role, samples, omit_sample: null, final: samples[samples.length - 1], cpu_s: null };
}

const bidir = (test: 'TCP_STREAM' | 'UDP_STREAM', changes: Partial<TestParams> = {}): TestParams => ({
  ...defaultParams(test),
  duration_s: 2,
  bidir: true,
  ...changes,
});

test('bidir figures: upload from the server as receiver, download from the client as receiver, totals of both', () => {
  // Connection 0: the client sends 2.5 MB, the server receives 2 MB of it in 2 s (8 Mbit/s).
  // Connection 1: the server sends 1 MB, the client receives 0.75 MB in 2 s (3 Mbit/s).
  const client = [
    report(0, 'sender', [sample(1, { bytes: 1_250_000 }), sample(2, { bytes: 2_500_000 })]),
    report(1, 'receiver', [sample(1, { bytes: 250_000 }), sample(2, { bytes: 750_000 })]),
  ];
  const server = [
    report(0, 'receiver', [sample(1, { bytes: 1_000_000 }), sample(2, { bytes: 2_000_000 })]),
    report(1, 'sender', [sample(1, { bytes: 500_000 }), sample(2, { bytes: 1_000_000 })]),
  ];
  const { summary, intervals } = computeFigures(bidir('TCP_STREAM'), client, server);
  assert.deepEqual(summary, {
    throughput_mbps: 11,
    upload_mbps: 8,
    download_mbps: 3,
    sender_mbps: 14,
    bytes_sent: 3_500_000,
    bytes_received: 2_750_000,
  } satisfies StreamFigures);
  assert.deepEqual(
    intervals.map((i) => [(i.figures as StreamFigures).upload_mbps, (i.figures as StreamFigures).download_mbps]),
    [
      [8, 2],
      [8, 4],
    ],
  );
});

test('bidir UDP_STREAM: each direction loses what its own receiver missed', () => {
  // Upload: 100 datagrams sent, the server received 90. Download: 100 sent, the client received 99.
  const datagrams = (n: number): Partial<StreamSample> => ({ packets: n, bytes: n * 1000 });
  const client = [report(0, 'sender', [sample(1, datagrams(100))]), report(1, 'receiver', [sample(1, { ...datagrams(99), lost: 1 })])];
  const server = [report(0, 'receiver', [sample(1, { ...datagrams(90), lost: 10 })]), report(1, 'sender', [sample(1, datagrams(100))])];
  const { summary } = computeFigures(bidir('UDP_STREAM', { duration_s: 1, interval_s: 1 }), client, server) as { summary: StreamFigures };
  assert.equal(summary.upload_loss_percent, 10);
  assert.equal(summary.download_loss_percent, 1);
  assert.equal(summary.loss_percent, 5.5);
  assert.equal(summary.packets_lost, 11);
  assert.equal(summary.upload_mbps, 0.72);
  assert.equal(summary.download_mbps, 0.792);
});

test('bidir is refused with reverse, and beyond 64 streams, naming the keys to change', () => {
  assert.deepEqual(checkParams(bidir('TCP_STREAM', { reverse: true })), [
    { keys: ['bidir', 'reverse'], message: 'bidir already sends both ways: drop reverse, or bidir for one direction only' },
  ]);
  assert.deepEqual(checkParams(bidir('UDP_STREAM', { streams: 65 })), [
    { keys: ['streams', 'bidir'], message: 'bidir opens streams connections each way: at most 64 streams with bidir, not 65' },
  ]);
  assert.deepEqual(checkParams({ ...defaultParams('TCP_RR'), bidir: true }), [
    { keys: ['bidir'], message: 'bidir does not apply to TCP_RR (only to TCP_STREAM and UDP_STREAM)' },
  ]);
});

for (const dataPath of ['native', 'js'] as const) {
  const skip = dataPath === 'native' && nativeIoUnavailable !== '' ? `native data path: ${nativeIoUnavailable}` : undefined;
  test(`bench test TCP_STREAM --bidir on loopback (${dataPath}): both directions in the summary and every interval`, { skip }, async () => {
    const r = await runCli(['test', 'TCP_STREAM', '--bidir', '-P', '2', '-t', '1s', '-i', '500ms', '--data-path', dataPath, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(r.stdout) as RunObject;
    assert.equal(run.status, 'ok');
    assert.deepEqual([run.client.data_path, run.server.data_path], [dataPath, dataPath]);
    const summary = run.summary as StreamFigures;
    assert.ok(summary.upload_mbps! > 0 && summary.download_mbps! > 0, JSON.stringify(summary));
    assert.ok(Math.abs(summary.upload_mbps! + summary.download_mbps! - summary.throughput_mbps) <= 0.002);
    assert.equal(run.intervals.length, 2);
    for (const i of run.intervals) {
      const f = i.figures as StreamFigures;
      assert.ok(Math.abs(f.upload_mbps! + f.download_mbps! - f.throughput_mbps) <= 0.002, JSON.stringify(f));
      // Two streams each way: four connections, upload ones first.
      assert.equal(i.streams?.length, 4);
    }
  });
}

test('bench test --bidir prints each direction in its interval lines and summary', async () => {
  const r = await runCli(['test', 'TCP_STREAM', '--bidir', '-t', '500ms']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^bench TCP_STREAM with the embedded server on loopback: 500ms, 64KiB writes, bidir$/m);
  assert.match(r.stdout, /^\[ {3}0\.00-[\d.]+ {3}s\] [\d.]+ Mbit\/s {2}up [\d.]+ Mbit\/s {2}down [\d.]+ Mbit\/s$/m);
  assert.match(r.stdout, /│ upload_mbps +│ [\d.]+ +│ Mbit\/s \(receiver\) +│/);
  assert.match(r.stdout, /│ download_mbps +│ [\d.]+ +│ Mbit\/s \(receiver\) +│/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamReport, StreamSample } from '../runner/control/messages.js';
import { paramsFrom } from '../runner/core/params.js';
import type { RrulFigures, RrulIntervalFigures } from '../runner/core/run-object.js';
import { ProbeLossSettler } from '../runner/data/probe-datagram.js';
import { computeRrulFigures, latencySummaryOf } from '../runner/measure/rrul-figures.js';

/**
 * RRUL's figures from known round trips: a probe belongs to the phase and the
 * interval it was sent in, by its place in the schedule, whenever its echo
 * came; a probe never echoed is lost in that phase.
 */
const sample = (t: number, bytes = 0): StreamSample => ({
  t,
  bytes,
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
});

const report = (stream: number, role: StreamReport['role'], samples: StreamSample[], extra: Partial<StreamReport> = {}): StreamReport => ({
  stream,
  role,
  // As a data worker reports: the boundary samples, then the final one, which is also `final`.
  samples,
  omit_sample: null,
  final: samples[samples.length - 1],
  cpu_s: null,
  ...extra,
});

test('RRUL figures: each probe in the phase and interval of its send time, lost ones counted there, rates from the receivers', () => {
  // 1 s idle, 2 s load, 1 s drain, a probe every 100 ms: 40 probes, 1 s intervals.
  const params = paramsFrom('RRUL', { duration_s: 2, idle_s: 1, probe_interval_s: 0.1, interval_s: 1, streams: 1, direction: 'both' });
  const rtt: Array<number | null> = Array.from({ length: 40 }, (_, k) => (k < 10 ? 100 : k < 30 ? 50_000 : 200));
  rtt[15] = null; // lost under load
  rtt[35] = null; // lost in the drain
  const times = [1, 2, 3, 4.01];
  const probe = report(
    0,
    'rr-client',
    times.map((t) => sample(t)),
    { probe: { rtt_us: rtt, late_us: { p50: 1, p99: 2, max: 3 } } },
  );
  // Up: the server received 1 MB in each load second, and 1 MB more in the drain (the sender's socket buffer
  // emptying after the load, which is not the load's rate); down: the client 2 MB a second.
  const up = report(1, 'receiver', [sample(1, 0), sample(2, 1e6), sample(3, 2e6), sample(4, 3e6)]);
  const down = report(2, 'receiver', [sample(1, 0), sample(2, 2e6), sample(3, 4e6), sample(4, 4e6)]);
  const upSender = report(1, 'sender', [sample(4, 3e6)]);
  const downSender = report(2, 'sender', [sample(4, 4e6)]);
  const r = computeRrulFigures(params, [probe, upSender, down], [report(0, 'rr-responder', [sample(4)]), up, downSender]);
  const s: RrulFigures = r.summary;
  assert.equal(s.probes_sent, 40);
  assert.equal(s.probes_lost, 2);
  assert.deepEqual([s.idle_loss_percent, s.loaded_loss_percent, s.drain_loss_percent], [0, 5, 10]);
  assert.equal(s.idle_latency_us!.p50, 100);
  assert.equal(s.loaded_latency_us!.p50, 50_000);
  assert.equal(s.drain_latency_us!.max, 200);
  assert.equal(s.latency_increase_ms, 49.9);
  assert.equal(s.responsiveness_rpm, 1200);
  assert.equal(s.upload_mbps, 8);
  assert.equal(s.download_mbps, 16);
  assert.equal(s.probe_mbps, Number((((40 + 38) * 16 * 8) / 4.01 / 1e6).toFixed(4)));
  assert.deepEqual(
    r.intervals.map((i) => [i.phase, (i.figures as RrulIntervalFigures).probes_sent, (i.figures as RrulIntervalFigures).probes_lost]),
    [
      ['idle', 10, 0],
      ['load', 10, 1],
      ['load', 10, 0],
      ['drain', 10, 1],
    ],
  );
  assert.deepEqual(
    r.intervals.map((i) => [(i.figures as RrulIntervalFigures).upload_mbps, (i.figures as RrulIntervalFigures).download_mbps]),
    [
      [0, 0],
      [8, 16],
      [8, 16],
      [8, 0],
    ],
  );
  assert.deepEqual(r.rrul.phases, [
    { name: 'idle', start_s: 0, end_s: 1 },
    { name: 'load', start_s: 1, end_s: 3 },
    { name: 'drain', start_s: 3, end_s: 4 },
  ]);
  assert.deepEqual(r.rrul.send_late_us, { p50: 1, p99: 2, max: 3 });
});

test('latencySummaryOf: nearest-rank percentiles over every value, null for none', () => {
  assert.equal(latencySummaryOf([]), null);
  const values = Array.from({ length: 1000 }, (_, k) => k + 1);
  assert.deepEqual(latencySummaryOf(values), {
    min: 1,
    mean: 500.5,
    stddev: 288.675,
    p50: 500,
    p90: 900,
    p99: 990,
    p999: 999,
    max: 1000,
  });
});

test('RRUL live intervals count lost only the probes whose reply window passed unechoed, not those in flight at the boundary', () => {
  const params = paramsFrom('RRUL', { duration_s: 2, idle_s: 1, probe_interval_s: 0.1, interval_s: 1, streams: 1, direction: 'up' });
  // Each interval sends 10 probes; the last of each is in flight at the boundary and echoed in the next.
  // One probe (sent in the second interval) is lost: its reply window ends in the third.
  const probeSample = (t: number, sent: number, echoed: number, timedOut: number): StreamSample => ({
    ...sample(t),
    requests_sent: sent,
    transactions: echoed,
    timeouts: timedOut,
  });
  const probe = report(0, 'rr-client', [
    probeSample(1, 10, 9, 0),
    probeSample(2, 20, 18, 0),
    probeSample(3, 30, 28, 1),
    probeSample(4, 40, 39, 1),
  ]);
  const up = report(1, 'receiver', [sample(1), sample(2), sample(3), sample(4)]);
  const r = computeRrulFigures(params, [probe, report(1, 'sender', [sample(4)])], [report(0, 'rr-responder', [sample(4)]), up], true);
  assert.deepEqual(
    r.intervals.map((i) => [
      (i.figures as RrulIntervalFigures).probes_sent,
      (i.figures as RrulIntervalFigures).probes_lost,
      (i.figures as RrulIntervalFigures).loss_percent,
    ]),
    [
      [10, 0, 0],
      [10, 0, 0],
      [10, 1, 10],
      [10, 0, 0],
    ],
  );
});

test('probe loss settles as each reply window passes: a probe in flight is not lost, a lost one counts once, and all settle at the end', () => {
  const settler = new ProbeLossSettler();
  const rtt = new Float64Array(30).fill(Number.NaN);
  for (let k = 0; k < 30; k++) if (k !== 3 && k !== 25) rtt[k] = 1;
  // A 250 ms window at one probe every 10 ms: the last 25 probes sent are still within theirs.
  assert.equal(settler.settle(rtt, 10, true, 250, 10), 0);
  // 28 sent: probes 0 to 2 are past their window; probe 3, lost, is not yet.
  assert.equal(settler.settle(rtt, 28, true, 250, 10), 0);
  assert.equal(settler.settle(rtt, 29, true, 250, 10), 1);
  assert.equal(settler.settle(rtt, 29, true, 250, 10), 0);
  // Stopped, after the last echoes were listened for: every probe is settled, 25 among them.
  assert.equal(settler.settle(rtt, 30, false, 250, 10), 1);
  assert.equal(settler.settle(rtt, 30, false, 250, 10), 0);
});

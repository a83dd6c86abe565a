import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import type { LatencySummary, RrulFigures, RrulIntervalFigures, RunObject } from '../runner/core/run-object.js';
import { parseRun, runCli } from './helpers/cli.js';

/**
 * Issue 13: RRUL on loopback, on each data path, end to end through `bench
 * test` and the embedded server. Loopback says nothing of bufferbloat (that is
 * test/serial/rrul-netns.test.ts); here the figures' shape and relations:
 * every probe of the schedule sent and echoed, the phases in order, each
 * interval's probes those sent in it, the summary's derived figures computed
 * from its own latencies, and the run object as the results schema has it.
 */
const schema = JSON.parse(readFileSync(new URL('../../schemas/results.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020.default({ allErrors: false, strict: false });
ajv.addSchema(schema, 'results');
const validateRun = ajv.getSchema('results#/$defs/run')!;

async function rrul(dataPath: 'native' | 'js', extra: string[]): Promise<RunObject> {
  const env = dataPath === 'js' ? { BENCH_DATA_PATH: 'js' } : { BENCH_DATA_PATH: '' };
  const args = ['test', 'RRUL', '--duration', '1s', '--idle', '0.5s', '--interval', '0.5s', '--json', ...extra];
  const r = await runCli(args, { env, timeoutMs: 60_000 });
  assert.equal(r.code, 0, `exit code ${r.code}: ${r.stderr}`);
  const run: RunObject = parseRun(r.stdout);
  assert.equal(run.status, 'ok', JSON.stringify(run.error));
  assert.equal(validateRun(run), true, JSON.stringify(validateRun.errors?.[0]));
  assert.deepEqual([run.client.data_path, run.server.data_path], [dataPath, dataPath]);
  return run;
}

function assertOrdered(l: LatencySummary | null, where: string): asserts l is LatencySummary {
  assert.ok(l, `${where}: no latency`);
  const chain = [l.min, l.p50, l.p90, l.p99, l.p999, l.max];
  assert.deepEqual(
    [...chain].sort((a, b) => a - b),
    chain,
    `${where}: percentiles out of order ${JSON.stringify(l)}`,
  );
  assert.ok(l.min > 0, `${where}: a round trip of ${l.min} µs`);
}

for (const dataPath of ['native', 'js'] as const) {
  test(`${dataPath} data path: RRUL on loopback sends every probe of the schedule, loses none, and keeps its phases in order`, async () => {
    const run = await rrul(dataPath, ['--streams', '1']);
    const s = run.summary as RrulFigures;
    const rrulRecord = run.rrul!;
    // 2 s of phases (0.5 idle + 1 load + 0.5 drain) at one probe per 10 ms.
    assert.equal(s.probes_sent, 200);
    assert.equal(rrulRecord.rtt_us.length, 200);
    assert.equal(s.probes_lost, 0);
    assert.deepEqual([s.idle_loss_percent, s.loaded_loss_percent, s.drain_loss_percent], [0, 0, 0]);
    assert.equal(rrulRecord.rtt_us.filter((r) => r === null).length, 0);
    assert.equal(rrulRecord.probe_interval_s, 0.01);
    assert.deepEqual(rrulRecord.phases, [
      { name: 'idle', start_s: 0, end_s: 0.5 },
      { name: 'load', start_s: 0.5, end_s: 1.5 },
      { name: 'drain', start_s: 1.5, end_s: 2 },
    ]);

    // Intervals: the phase of each one's start, and the probes sent in it (50 per half second).
    assert.deepEqual(
      run.intervals.map((i) => i.phase),
      ['idle', 'load', 'load', 'drain'],
    );
    const figures = run.intervals.map((i) => i.figures as RrulIntervalFigures);
    assert.deepEqual(
      figures.map((f) => f.probes_sent),
      [50, 50, 50, 50],
    );
    for (const [k, f] of figures.entries()) assertOrdered(f.latency_us, `interval ${k}`);
    // The load runs in the middle two intervals only: the server's down streams start by its own clock, after the client's.
    assert.equal(figures[0].download_mbps, 0);
    assert.ok(figures[1].upload_mbps! > 0 && figures[1].download_mbps! > 0, JSON.stringify(figures[1]));
    assert.ok(s.upload_mbps! > 0 && s.download_mbps! > 0, JSON.stringify(s));

    // Each phase's latency, and what is derived from it.
    assertOrdered(s.idle_latency_us, 'idle');
    assertOrdered(s.loaded_latency_us, 'loaded');
    assertOrdered(s.drain_latency_us, 'drain');
    const idleRtts = rrulRecord.rtt_us.slice(0, 50) as number[];
    assert.equal(s.idle_latency_us.max, Math.max(...idleRtts));
    assert.equal(s.idle_latency_us.min, Math.min(...idleRtts));
    assert.equal(s.latency_increase_ms, Number(((s.loaded_latency_us.p50 - s.idle_latency_us.p50) / 1000).toFixed(4)));
    assert.equal(s.responsiveness_rpm, Number((60_000 / (s.loaded_latency_us.p50 / 1000)).toFixed(1)));
    // The probes' own load: 200 probes out and 200 back, 16 bytes of payload each, over the run's time.
    assert.equal(s.probe_mbps, Number(((400 * 16 * 8) / run.duration_s / 1e6).toFixed(4)));
    const late = rrulRecord.send_late_us!;
    assert.ok(late.p50 <= late.p99 && late.p99 <= late.max, JSON.stringify(late));

    // The streams' TCP_INFO: read from each sender's socket on the native path; on the JavaScript path absent, and said why.
    if (dataPath === 'native') {
      assert.ok(Number.isInteger(s.retransmits) && s.retransmits! >= 0, JSON.stringify(s));
      assert.ok(s.rtt_ms! > 0 && s.cwnd_bytes! > 0 && s.snd_mss_bytes! > 0, JSON.stringify(s));
      assert.ok(figures[1].rtt_ms! > 0, JSON.stringify(figures[1]));
      assert.equal(run.notes, undefined);
    } else {
      assert.equal(s.rtt_ms, undefined);
      assert.match(run.notes?.[0] ?? '', /^no TCP_INFO figures .*JavaScript data path/);
    }
  });

  test(`${dataPath} data path: RRUL live intervals show no loss on a healthy link: probes in flight at an interval's end are not lost`, async () => {
    const env = dataPath === 'js' ? { BENCH_DATA_PATH: 'js' } : { BENCH_DATA_PATH: '' };
    // Intervals of 100 ms against probes every 10 ms: each boundary falls on a probe just sent.
    const args = ['test', 'RRUL', '--duration', '1s', '--idle', '0.5s', '--interval', '0.1s', '--streams', '1', '--json-stream'];
    const r = await runCli(args, { env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `exit code ${r.code}: ${r.stderr}`);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; interval?: { figures: RrulIntervalFigures }; result?: RunObject });
    const live = events.filter((e) => e.event === 'interval').map((e) => e.interval!.figures);
    const final = events.find((e) => e.event === 'run_end')!.result!.summary as RrulFigures;
    assert.equal(live.length, 20);
    assert.equal(
      live.reduce((n, f) => n + f.probes_sent, 0),
      final.probes_sent,
    );
    // Each probe the run lost, live once its reply window passed; none of those merely in flight at a boundary
    // (on a healthy loopback the run loses none, and every interval shows 0).
    assert.equal(
      live.reduce((n, f) => n + f.probes_lost, 0),
      final.probes_lost,
      JSON.stringify(live.map((f) => [f.probes_sent, f.probes_lost])),
    );
    for (const f of live) assert.equal(f.loss_percent, f.probes_sent > 0 ? Number(((100 * f.probes_lost) / f.probes_sent).toFixed(4)) : 0);
  });

  test(`${dataPath} data path: RRUL direction up loads one way only: no download figure, and three data connections for two streams`, async () => {
    const run = await rrul(dataPath, ['--direction', 'up', '--streams', '2']);
    const s = run.summary as RrulFigures;
    assert.equal(s.download_mbps, undefined);
    assert.ok(s.upload_mbps! > 0);
    assert.equal(s.probes_sent, 200);
    for (const i of run.intervals) assert.equal((i.figures as RrulIntervalFigures).download_mbps, undefined);
    assert.equal(run.params.direction, 'up');
    assert.equal(run.params.streams, 2);
  });
}

test('RRUL refuses omit, and a schedule of more probes than a run keeps, with what to change', async () => {
  const omit = await runCli(['test', 'RRUL', '--omit', '1s']);
  assert.equal(omit.code, 2);
  assert.equal(omit.stderr, 'bench: omit does not apply to RRUL (only to TCP_STREAM, UDP_STREAM, TCP_RR, UDP_RR and TCP_CRR)\n');
  const many = await runCli(['test', 'RRUL', '--duration', '2h', '--probe-interval', '5ms']);
  assert.equal(many.code, 2);
  assert.equal(
    many.stderr,
    'bench: duration 2h with idle 2s before and after it, at one probe every 5ms, sends 1440800 probes, more than the 1000000 a run keeps: raise probe_interval or shorten duration\n',
  );
});

test('native data path: an RRUL run whose server RESULT is longer than one control frame (256 KB) reports in full', async () => {
  // 17 lanes of 70 samples each: about 500 KB of RESULT, as 8 streams each way send in a run of a few minutes at 1s intervals.
  const args = ['test', 'RRUL', '--duration', '6s', '--idle', '0.5s', '--interval', '0.1s', '--streams', '8', '--json'];
  const r = await runCli(args, { env: { BENCH_DATA_PATH: '' }, timeoutMs: 90_000 });
  assert.equal(r.code, 0, `exit code ${r.code}: ${r.stderr}`);
  const run: RunObject = parseRun(r.stdout);
  assert.equal(run.status, 'ok', JSON.stringify(run.error));
  assert.equal(validateRun(run), true, JSON.stringify(validateRun.errors?.[0]));
  assert.equal(run.intervals.length, 70);
  assert.equal((run.summary as RrulFigures).probes_sent, 700);
  assert.equal(run.rrul!.rtt_us.length, 700);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunObject } from '../runner/core/run-object.js';
import { checkFigure, meets, parseCondition } from '../runner/scenario/expectations.js';
import { checkExpectations, summarizeGroups } from '../runner/scenario/group-results.js';
import { parseScenario } from '../runner/scenario/load-scenario.js';
import { scenarioExitCode } from '../runner/cli/report-failure.js';
import { rrRun, streamRun } from './fixtures/scenarios/run-objects.js';

test('conditions read an operator and a number, spaces optional', () => {
  assert.deepEqual(parseCondition('throughput_mbps', '>= 900'), {
    ok: true,
    expectation: { figure: 'throughput_mbps', condition: '>= 900', op: '>=', threshold: 900 },
  });
  assert.deepEqual(parseCondition('latency_us.p99', '<250'), {
    ok: true,
    expectation: { figure: 'latency_us.p99', condition: '< 250', op: '<', threshold: 250 },
  });
  assert.deepEqual(parseCondition('loss_percent', ' < 0.5 '), {
    ok: true,
    expectation: { figure: 'loss_percent', condition: '< 0.5', op: '<', threshold: 0.5 },
  });
  assert.deepEqual(parseCondition('packets_lost', '== 0'), {
    ok: true,
    expectation: { figure: 'packets_lost', condition: '== 0', op: '==', threshold: 0 },
  });
  const shape = 'write an operator and a number in quotes, such as ">= 900" (operators: <, <=, >, >=, ==)';
  assert.deepEqual(parseCondition('throughput_mbps', 900), {
    ok: false,
    message: `expectation 900 for throughput_mbps is not a condition: ${shape}`,
  });
  assert.deepEqual(parseCondition('throughput_mbps', '=> 900'), {
    ok: false,
    message: `expectation '=> 900' for throughput_mbps is not a condition: ${shape}`,
  });
  assert.deepEqual(parseCondition('throughput_mbps', '>= 900M'), {
    ok: false,
    message: `expectation '>= 900M' for throughput_mbps is not a condition: ${shape}`,
  });
});

test('each operator at its boundary', () => {
  assert.equal(meets(900, '>=', 900), true);
  assert.equal(meets(900, '>', 900), false);
  assert.equal(meets(250, '<', 250), false);
  assert.equal(meets(250, '<=', 250), true);
  assert.equal(meets(0, '==', 0), true);
  assert.equal(meets(0.0001, '==', 0), false);
});

test('a figure must be one the test produces', () => {
  assert.equal(checkFigure('TCP_STREAM', 'throughput_mbps'), null);
  assert.equal(checkFigure('UDP_RR', 'latency_us.p999'), null);
  assert.equal(
    checkFigure('TCP_RR', 'loss_percent'),
    'TCP_RR does not produce loss_percent: its figures are transactions_per_sec, latency_us.min, latency_us.mean, latency_us.stddev, latency_us.p50, latency_us.p90, latency_us.p99, latency_us.p999, latency_us.max, transactions, rtt_ms, rttvar_ms, cwnd_bytes, retransmits, pmtu, snd_mss_bytes and rcv_mss_bytes',
  );
  assert.equal(checkFigure('UDP_STREAM', 'jiter_ms'), "unknown figure 'jiter_ms' for UDP_STREAM: did you mean 'jitter_ms'?");
  assert.equal(
    checkFigure('TCP_RR', 'latency_us.p95'),
    "unknown figure 'latency_us.p95' for TCP_RR: latency_us has min, mean, stddev, p50, p90, p99, p999 and max",
  );
  assert.equal(
    checkFigure('TCP_STREAM', 'goodput'),
    "unknown figure 'goodput' for TCP_STREAM: its figures are throughput_mbps, upload_mbps, download_mbps, sender_mbps, rtt_ms, rttvar_ms, cwnd_bytes, retransmits, pmtu, snd_mss_bytes, rcv_mss_bytes, bytes_sent and bytes_received",
  );
});

const scenario = parseScenario(
  'e.yaml',
  [
    'name: e',
    'runs:',
    '  - test: TCP_STREAM',
    '    repeat: 4',
    '    expect: { throughput_mbps: ">= 900", sender_mbps: "> 960" }',
    '  - test: TCP_RR',
    '    expect: { "latency_us.p99": "< 250" }',
  ].join('\n'),
  { env: {} },
);
const [tcp, rr] = scenario.groups;

test('statistics per group come from its ok runs only; expectations are judged on the mean', () => {
  const runs: RunObject[] = [
    streamRun(tcp, 0, 930),
    streamRun(tcp, 1, 940),
    { ...streamRun(tcp, 2, 0), status: 'failed', summary: null, error: { code: 'E_DATA_PATH', message: 'gone' } },
    streamRun(tcp, 3, 950),
    rrRun(rr, 0, 274),
  ];
  const groups = summarizeGroups(scenario.groups, runs);
  assert.deepEqual(
    groups.map((g) => [g.label, g.run_ids.length]),
    [
      ['TCP_STREAM local', 4],
      ['TCP_RR local', 1],
    ],
  );
  const t = groups[0].figures.throughput_mbps;
  assert.deepEqual([t.n, t.mean, t.min, t.max, t.better], [3, 940, 930, 950, 'higher']);
  // 4.302653 (t, 2 df) × 10 (sample sd) / √3
  assert.equal(Number((t.ci95 as number).toFixed(4)), 24.8414);
  assert.deepEqual(groups[1].figures['latency_us.p99'], { n: 1, mean: 274, ci95: null, min: 274, max: 274, better: 'lower' });
  assert.deepEqual(checkExpectations(scenario.groups, groups), [
    { label: 'TCP_STREAM local', figure: 'throughput_mbps', condition: '>= 900', op: '>=', threshold: 900, observed: 940, ok: true },
    { label: 'TCP_STREAM local', figure: 'sender_mbps', condition: '> 960', op: '>', threshold: 960, observed: 960, ok: false },
    { label: 'TCP_RR local', figure: 'latency_us.p99', condition: '< 250', op: '<', threshold: 250, observed: 274, ok: false },
  ]);
});

test('an expectation with no run to judge it fails, observed null; an interrupted run does not count', () => {
  const runs: RunObject[] = [{ ...rrRun(rr, 0, 100), interrupted: true }];
  const groups = summarizeGroups([rr], runs);
  assert.deepEqual(groups[0].figures, {});
  assert.deepEqual(checkExpectations([rr], groups), [
    { label: 'TCP_RR local', figure: 'latency_us.p99', condition: '< 250', op: '<', threshold: 250, observed: null, ok: false },
  ]);
});

test('exit codes: 130 interrupted, then 1 a run failed, then 3 an expectation missed, else 0', () => {
  const ok = streamRun(tcp, 0, 940);
  const failed: RunObject = { ...ok, status: 'failed' };
  const met = { label: 'x', figure: 'f', condition: '> 1', op: '>' as const, threshold: 1, observed: 2, ok: true };
  const missed = { ...met, observed: 0, ok: false };
  assert.equal(scenarioExitCode({ runs: [ok], expectations: [met] }), 0);
  assert.equal(scenarioExitCode({ runs: [ok], expectations: [met, missed] }), 3);
  assert.equal(scenarioExitCode({ runs: [ok, failed], expectations: [missed] }), 1);
  assert.equal(scenarioExitCode({ runs: [ok, failed], expectations: [missed], interrupted: true }), 130);
});

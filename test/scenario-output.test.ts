import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunObject } from '../runner/core/run-object.js';
import type { RunEvent } from '../runner/core/run-events.js';
import type { ExpectationResult } from '../runner/core/results-file.js';
import { renderExpectations } from '../runner/cli/scenario-output/final-summary.js';
import { formatClock, formatInterval } from '../runner/cli/figure-text.js';
import { formatNumber } from '../runner/core/figure-catalog.js';
import { palette } from '../runner/cli/color.js';
import { ScenarioProgress } from '../runner/cli/scenario-output/progress-line.js';
import { renderSummaryTable } from '../runner/cli/scenario-output/summary-table.js';
import { summarizeGroups } from '../runner/scenario/group-results.js';
import { parseScenario } from '../runner/scenario/load-scenario.js';
import { planWarnings, resultWarnings } from '../runner/scenario/shaky-figures.js';
import { rrRun, streamRun } from './fixtures/scenarios/run-objects.js';

const plain = palette(false);
const loaded = parseScenario(
  'o.yaml',
  [
    'name: o',
    'defaults: { duration: 10s, repeat: 3 }',
    'runs:',
    '  - { test: TCP_STREAM, label: uplink }',
    '  - { test: TCP_RR, expect: { "latency_us.p99": "< 250" } }',
  ].join('\n'),
  { env: {} },
);
const [up, rr] = loaded.groups;

test('expectations list: label, rule, verdict and the mean it was judged on', () => {
  const results: ExpectationResult[] = [
    { label: 'uplink', figure: 'throughput_mbps', condition: '>= 900', op: '>=', threshold: 900, observed: 874.23, ok: false },
    { label: 'TCP_RR local', figure: 'latency_us.p99', condition: '< 250', op: '<', threshold: 250, observed: 87.3, ok: true },
    { label: 'TCP_RR local', figure: 'transactions', condition: '> 1', op: '>', threshold: 1, observed: null, ok: false },
  ];
  assert.equal(
    renderExpectations(results, plain),
    [
      'Expectations: 1 of 3 met',
      '  uplink        throughput_mbps >= 900  ✗ 874.2',
      '  TCP_RR local  latency_us.p99 < 250    ✓ 87.3',
      '  TCP_RR local  transactions > 1        ✗ no value: no run produced it',
    ].join('\n'),
  );
  assert.equal(
    renderExpectations([results[1]], palette(true)),
    '\x1b[1mExpectations: 1 of 1 met\x1b[22m\n  TCP_RR local  latency_us.p99 < 250  \x1b[32m✓ 87.3\x1b[39m',
  );
});

test('summary table: one row per group, mean and 95% CI across repeats, which way is better; no colour codes when off', () => {
  const runs: RunObject[] = [
    streamRun(up, 0, 930),
    streamRun(up, 1, 940),
    streamRun(up, 2, 950),
    rrRun(rr, 0, 200),
    { ...rrRun(rr, 1, 0), status: 'failed', summary: null },
    rrRun(rr, 2, 240),
  ];
  const table = renderSummaryTable(summarizeGroups(loaded.groups, runs), loaded.groups, runs, plain);
  assert.equal(
    table,
    [
      '┌──────────────────┬─────┬──────────────────────┬──────┬──────────────────┬────────┐',
      '│ run              │  ok │ figure               │ mean │           95% CI │ better │',
      '├──────────────────┼─────┼──────────────────────┼──────┼──────────────────┼────────┤',
      '│ uplink           │ 3/3 │ throughput_mbps      │  940 │   ± 24.84 (2.6%) │ higher │',
      '│ TCP_STREAM local │     │                      │      │                  │        │',
      '├──────────────────┼─────┼──────────────────────┼──────┼──────────────────┼────────┤',
      '│ TCP_RR local     │ 2/3 │ transactions_per_sec │ 2000 │       ± 0 (0.0%) │ higher │',
      '│                  │     │ latency_us.p50       │   38 │       ± 0 (0.0%) │ lower  │',
      // Two repeats: t(1) = 12.706 makes the interval wide, as it should be.
      '│                  │     │ latency_us.p99       │  220 │ ± 254.1 (115.5%) │ lower  │',
      '└──────────────────┴─────┴──────────────────────┴──────┴──────────────────┴────────┘',
    ].join('\n'),
  );
});

test('figures keep enough digits to compare and no more', () => {
  assert.deepEqual([941.27, 87.333, 3.14159, 0, 0.00042, 14234.13, 100].map(formatNumber), [
    '941.3',
    '87.33',
    '3.142',
    '0',
    '0.00042',
    '14234',
    '100',
  ]);
  assert.equal(formatInterval(940, 24.8414), '± 24.84 (2.6%)');
  assert.equal(formatInterval(940, null), '—');
  assert.deepEqual([formatClock(8), formatClock(219), formatClock(3725)], ['8s', '3m 39s', '1h 02m 05s']);
});

test('shaky figures: a wide interval across repeats, runs too short, no repeats, each with what to do', () => {
  const wide = summarizeGroups([up], [streamRun(up, 0, 500), streamRun(up, 1, 900), streamRun(up, 2, 700)]);
  assert.deepEqual(resultWarnings(wide), [
    'uplink: throughput_mbps varies widely across repeats (95% interval ±71.0% of the mean, over 3 runs): add repeats or lengthen duration, and look for other traffic or CPU load on the path',
  ]);
  const once = summarizeGroups([up], [streamRun(up, 0, 900)]);
  assert.deepEqual(resultWarnings(once), [
    'each run counted once, so there are no confidence intervals: set repeat: 3 or more to see how much the figures vary',
  ]);
  const short = parseScenario('s.yaml', 'name: s\nruns:\n  - { test: TCP_STREAM, duration: 2s }\n  - { test: TCP_RR, duration: 10s }\n', {
    env: {},
  });
  assert.deepEqual(planWarnings(short.groups), [
    '1 of 2 runs measures fewer than 3 intervals (TCP_STREAM local; duration 2s, interval 1s, omit 0s): so short a run is mostly start-up; make duration at least 3s',
  ]);
  assert.deepEqual(planWarnings(loaded.groups), []);
});

// Issue 16: `{test: UDP_STREAM, rate: 5G, size: 512}` sent 564 Mbit/s and the summary read as 0% loss at 5G.
test('a UDP group whose sender reached less than 95% of its rate is a warning, with what to do', () => {
  const fast = parseScenario(
    'u.yaml',
    'name: u\nruns:\n  - { test: UDP_STREAM, rate: 5G, size: 512, label: fast }\n  - { test: UDP_STREAM, rate: 100M, label: slow }\n',
    { env: {} },
  );
  const udpRun = (g: (typeof fast.groups)[number], repeat: number, sent: number, target: number): RunObject => {
    const run = streamRun(g, repeat, sent);
    run.summary = { ...run.summary!, sender_mbps: sent, target_mbps: target };
    return run;
  };
  const [fastGroup, slowGroup] = fast.groups;
  const groups = summarizeGroups(fast.groups, [
    udpRun(fastGroup, 0, 560, 5000),
    udpRun(fastGroup, 1, 568, 5000),
    udpRun(slowGroup, 0, 96, 100),
    udpRun(slowGroup, 1, 95, 100),
  ]);
  assert.deepEqual(resultWarnings(groups), [
    'fast: the sender reached 564 of the 5000 Mbit/s asked (11.28%): loss and jitter describe that lighter load; lower rate, or raise size or streams',
  ]);
});

test('progress without a terminal: one plain line per event, the last interval from the result, no carriage returns', () => {
  const written: string[] = [];
  const progress = new ScenarioProgress({ write: (t: string) => written.push(t) }, false, plain, loaded.runs);
  const run = loaded.runs[0];
  const result = streamRun(up, 0, 941.27);
  result.intervals = [
    { start_s: 0, end_s: 1, omitted: true, figures: { throughput_mbps: 500, sender_mbps: 510, bytes_sent: 1, bytes_received: 1 } },
    { start_s: 1, end_s: 2, omitted: false, figures: { throughput_mbps: 941.27, sender_mbps: 950, bytes_sent: 1, bytes_received: 1 } },
  ];
  progress.runStarting(run, 1, 6);
  progress.runEvent(run, { type: 'queued', position: 2 });
  progress.runEvent(run, { type: 'interval', index: 0, record: result.intervals[0] });
  progress.runFinished(run, result);
  progress.pausing(2);
  const failed: RunObject = {
    ...rrRun(rr, 0, 1),
    status: 'failed',
    summary: null,
    intervals: [],
    error: { code: 'E_PEER_UNREACHABLE', message: 'cannot reach peer lab-b' },
  };
  progress.runStarting(loaded.runs[3], 4, 6);
  progress.runFinished(loaded.runs[3], failed);
  assert.equal(
    written.join(''),
    [
      '[1/6] uplink (repeat 1/3): 10s, 64KiB writes',
      '[1/6] uplink (repeat 1/3): queued at the server, position 2',
      '[1/6] uplink (repeat 1/3)  0.0-1.0s  500 Mbit/s  (omitted)',
      '[1/6] uplink (repeat 1/3)  1.0-2.0s  941.3 Mbit/s',
      '[1/6] uplink (repeat 1/3): ok  941.3 Mbit/s',
      'pause 2s',
      '[4/6] TCP_RR local (repeat 1/3): 10s, 1B request, 1B response',
      '[4/6] TCP_RR local (repeat 1/3): failed: cannot reach peer lab-b',
      '',
    ].join('\n'),
  );
});

test('progress on a terminal: one live line rewritten in place, the figure and time left first, fitted to the width', () => {
  const written: string[] = [];
  const progress = new ScenarioProgress({ write: (t: string) => written.push(t), columns: 120 }, true, plain, loaded.runs);
  const run = loaded.runs[0];
  const record = {
    start_s: 3,
    end_s: 4,
    omitted: false,
    figures: { throughput_mbps: 941.27, sender_mbps: 950, bytes_sent: 1, bytes_received: 1 },
  };
  progress.runStarting(run, 1, 6);
  progress.runEvent(run, { type: 'interval', index: 3, record });
  progress.runFinished(run, streamRun(up, 0, 941.27));
  // 6s left of this run, then five more 10s runs.
  assert.equal(written[1], '\r\x1b[2K[1/6] 941.3 Mbit/s  6s left (about 56s in all)  uplink (repeat 1/3) (10s, 64KiB writes)  3.0-4.0s');
  assert.equal(written.slice(-2).join(''), '\r\x1b[2K[1/6] uplink (repeat 1/3): ok  941.3 Mbit/s\n');
  assert.ok(written.every((w) => !w.includes('\n') || w.endsWith('\n')));

  const narrow: string[] = [];
  const small = new ScenarioProgress({ write: (t: string) => narrow.push(t), columns: 40 }, true, palette(true), loaded.runs);
  small.runStarting(run, 1, 6);
  small.runEvent(run, { type: 'interval', index: 3, record });
  // Issue 16: at 40 columns the line was cut to its label and parameters, losing the figure and the time left.
  assert.equal(narrow[1], '\r\x1b[2K[1/6] 941.3 Mbit/s  \x1b[2m6s left\x1b[22m  uplink (r…');
  const at = (columns: number, status: RunEvent): string => {
    const out: string[] = [];
    const p = new ScenarioProgress({ write: (t: string) => out.push(t), columns }, true, plain, loaded.runs);
    p.runStarting(loaded.runs[3], 4, 6);
    p.runEvent(loaded.runs[3], status);
    return out[1].replace('\r\x1b[2K', '');
  };
  const rrRecord = { start_s: 0, end_s: 1, omitted: false, figures: rrRun(rr, 0, 200).summary! };
  assert.deepEqual(
    [100, 70, 50, 30, 20].map((c) => at(c, { type: 'interval', index: 0, record: rrRecord })),
    [
      '[4/6] 2000 trans/s  p99 200 µs  9s left (about 29s in all)  TCP_RR local (repeat 1/3)  0.0-1.0s',
      '[4/6] 2000 trans/s  p99 200 µs  9s left  TCP_RR local (repeat 1/3)',
      '[4/6] 2000 trans/s  p99 200 µs  9s left  TCP_RR …',
      // Whole figures are dropped, never a number cut short.
      '[4/6] 2000 trans/s  9s left',
      '[4/6] 2000 trans/s',
    ],
  );
  // A terminal that reports no width is taken as 80 columns, not left unlimited.
  assert.equal(at(0, { type: 'queued', position: 2 }), '[4/6] queued at the server, position 2  10s left  TCP_RR local (repeat 1/3)');
});

test('progress of an RRUL run counts its idle phases in the time left: the run, and the scenario after it', () => {
  const rrul = parseScenario(
    'r.yaml',
    ['name: r', 'defaults: { duration: 10s, idle: 2s }', 'runs:', '  - { test: RRUL, streams: [1, 2] }'].join('\n'),
    { env: {} },
  );
  const out: string[] = [];
  const progress = new ScenarioProgress({ write: (t: string) => out.push(t), columns: 120 }, true, plain, rrul.runs);
  progress.runStarting(rrul.runs[0], 1, 2);
  // Interval ends count from the first probe: 3s into a run of 2s idle, 10s load and 2s drain leaves 11s, and 14s after it.
  const record = {
    start_s: 2,
    end_s: 3,
    omitted: false,
    phase: 'load' as const,
    figures: { latency_us: null, loss_percent: 0, probes_sent: 100, probes_lost: 0 },
  };
  progress.runEvent(rrul.runs[0], { type: 'interval', index: 2, record });
  assert.match(out[1], / {2}11s left \(about 25s in all\) {2}/);
});

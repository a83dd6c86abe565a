import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunObject } from '../runner/core/run-object.js';
import { groupWarnings } from '../runner/cli/scenario-output/final-summary.js';
import { palette } from '../runner/cli/color.js';
import { renderSummaryTable } from '../runner/cli/scenario-output/summary-table.js';
import { summaryTable } from '../runner/cli/test-output/print-run.js';
import { terminalWidth, widestLine, wrapWords } from '../runner/cli/terminal-width.js';
import { summarizeGroups } from '../runner/scenario/group-results.js';
import { parseScenario } from '../runner/scenario/load-scenario.js';
import { rrRun, streamRun } from './fixtures/scenarios/run-objects.js';

/** Issue 16: the summary tables and the warnings fitted to a 70-column terminal (and narrower), not wrapped by it. */

const plain = palette(false);
const loaded = parseScenario(
  'f.yaml',
  [
    'name: f',
    'defaults: { duration: 10s, repeat: 3 }',
    'runs:',
    '  - { test: TCP_STREAM, label: uplink-through-the-lab-firewall-at-full-size }',
    '  - { test: TCP_RR }',
  ].join('\n'),
  { env: {} },
);
const [up, rr] = loaded.groups;
const runs: RunObject[] = [
  streamRun(up, 0, 930),
  streamRun(up, 1, 940),
  streamRun(up, 2, 950),
  rrRun(rr, 0, 200),
  rrRun(rr, 1, 210),
  rrRun(rr, 2, 240),
];
const groups = summarizeGroups(loaded.groups, runs);

test('scenario table at 70 columns: labels wrap, better becomes an arrow, the interval its share of the mean', () => {
  const table = renderSummaryTable(groups, loaded.groups, runs, plain, 70);
  assert.equal(
    table,
    [
      '┌───────────────────┬─────┬────────────────────────┬───────┬────────┐',
      '│ run               │  ok │ figure                 │  mean │ 95% CI │',
      '├───────────────────┼─────┼────────────────────────┼───────┼────────┤',
      '│ uplink-through-   │ 3/3 │ throughput_mbps ↑      │   940 │  ±2.6% │',
      '│ the-lab-firewall- │     │                        │       │        │',
      '│ at-full-size      │     │                        │       │        │',
      '│ TCP_STREAM local  │     │                        │       │        │',
      '├───────────────────┼─────┼────────────────────────┼───────┼────────┤',
      '│ TCP_RR local      │ 3/3 │ transactions_per_sec ↑ │  2000 │  ±0.0% │',
      '│                   │     │ latency_us.p50 ↓       │    38 │  ±0.0% │',
      '│                   │     │ latency_us.p99 ↓       │ 216.7 │ ±23.9% │',
      '└───────────────────┴─────┴────────────────────────┴───────┴────────┘',
      '↑ higher is better, ↓ lower is better',
    ].join('\n'),
  );
});

test('scenario table: whole at 120 columns and without a width; every width from 120 down to 24 fits, figures and means kept', () => {
  const whole = renderSummaryTable(groups, loaded.groups, runs, plain);
  assert.equal(renderSummaryTable(groups, loaded.groups, runs, plain, 120), whole);
  assert.match(whole, /│ uplink-through-the-lab-firewall-at-full-size │ 3\/3 │ throughput_mbps +│ +940 │ +± 24\.84 \(2\.6%\) │ higher │/);
  // Below 24 columns a figure's name (transactions_per_sec) is wider than the list's indented line.
  for (const width of [120, 100, 96, 90, 80, 75, 70, 65, 60, 55, 50, 45, 40, 36, 30, 28, 24]) {
    for (const colours of [plain, palette(true)]) {
      const table = renderSummaryTable(groups, loaded.groups, runs, colours, width);
      assert.ok(widestLine(table) <= width, `${width} columns:\n${table}`);
      for (const [figure, mean] of [
        ['throughput_mbps', '940'],
        ['transactions_per_sec', '2000'],
        ['latency_us.p99', '216.7'],
      ]) {
        assert.match(
          table.replace(/\x1b\[[0-9;]*m/g, ''),
          new RegExp(`${figure.replace('.', '\\.')}[\\s↑↓│]+${mean}\\b`),
          `${figure} ${mean} at ${width} columns`,
        );
      }
    }
  }
  // Narrower than any table: a list.
  assert.equal(
    renderSummaryTable(groups, loaded.groups, runs, plain, 36),
    [
      'uplink-through-the-lab-firewall-at-',
      'full-size',
      '  3/3 ok',
      'TCP_STREAM local',
      '  throughput_mbps ↑ 940 ±2.6%',
      'TCP_RR local  3/3 ok',
      '  transactions_per_sec ↑ 2000 ±0.0%',
      '  latency_us.p50 ↓ 38 ±0.0%',
      '  latency_us.p99 ↓ 216.7 ±23.9%',
      '↑ higher is better, ↓ lower is',
      'better',
    ].join('\n'),
  );
});

test('the same warning for several runs is one line naming them, each differing figure shown as its range', () => {
  const labels = ['udp 100M', 'udp 1G', 'udp 1G fast', 'rr', 'tcp'];
  const wide = (label: string, share: string) =>
    `${label}: throughput_mbps varies widely across repeats (95% interval ±${share}% of the mean, over 3 runs): add repeats`;
  assert.deepEqual(
    groupWarnings(
      [
        'every run measures fewer than 3 intervals (duration 2s): make duration at least 3s',
        wide('udp 100M', '12.1'),
        'udp 1G fast: the sender reached 564 of the 5000 Mbit/s asked (11.28%): lower rate',
        wide('udp 1G', '30.4'),
        wide('udp 1G fast', '15'),
        'rr: latency_us.p99 varies widely across repeats (95% interval ±20.0% of the mean, over 3 runs): add repeats',
      ],
      labels,
    ),
    [
      'every run measures fewer than 3 intervals (duration 2s): make duration at least 3s',
      '3 runs (udp 100M, udp 1G, udp 1G fast): throughput_mbps varies widely across repeats (95% interval ±12.1-30.4% of the mean, over 3 runs): add repeats',
      'udp 1G fast: the sender reached 564 of the 5000 Mbit/s asked (11.28%): lower rate',
      // p99 is part of a figure's name, not a figure: a different warning.
      'rr: latency_us.p99 varies widely across repeats (95% interval ±20.0% of the mean, over 3 runs): add repeats',
    ],
  );
  const many = ['a', 'b', 'c', 'd', 'e'].map((l) => `${l}: loss is noisy`);
  assert.deepEqual(groupWarnings(many, ['a', 'b', 'c', 'd', 'e']), ['5 runs (a, b and 3 more): loss is noisy']);
});

test('bench test summary at 70 columns: the unit column wraps; narrower, a figure per line; never wider than asked', () => {
  const run = streamRun(up, 0, 941.27);
  run.server.data_path = 'native';
  run.client.data_path = 'native';
  const whole = summaryTable(run, false);
  assert.equal(widestLine(whole), 90);
  assert.equal(summaryTable(run, false, 120), whole);
  const at70 = summaryTable(run, false, 70);
  assert.ok(widestLine(at70) <= 70);
  assert.match(
    at70,
    /│ data path client \/ server │ native \/ native │ native: C socket +│\n│ +│ +│ loops; js: Node +│\n│ +│ +│ sockets +│/,
  );
  for (const width of [100, 90, 80, 70, 60, 50, 45, 40, 30, 20]) {
    const text = summaryTable(run, false, width);
    assert.ok(widestLine(text) <= width, `${width} columns:\n${text}`);
    assert.match(text, /throughput_mbps[\s│]+941\.3[\s│]+Mbit\/s/, `${width} columns`);
  }
});

test("the width to fit: a terminal's own, 80 when it reports none; not a terminal: COLUMNS, or no limit", () => {
  assert.equal(terminalWidth({ isTTY: true, columns: 70 }, {}), 70);
  assert.equal(terminalWidth({ isTTY: true, columns: 0 }, {}), 80);
  assert.equal(terminalWidth({ isTTY: false }, {}), undefined);
  assert.equal(terminalWidth({ isTTY: false }, { COLUMNS: '100' }), 100);
  assert.equal(terminalWidth({ isTTY: false }, { COLUMNS: 'wide' }), undefined);
  assert.deepEqual(wrapWords('warning: a b  c /a/very/long/path/that/cannot/wrap end', 12, '  '), [
    'warning: a b',
    '  c',
    '  /a/very/long/path/that/cannot/wrap',
    '  end',
  ]);
});

// Issue 16 screenshots: at 70 columns a finished run's line broke between a number and its unit ("ok  99.89" / "Mbit/s").
test('a finished run wrapped on a narrow terminal keeps each number beside its unit', async () => {
  const { ScenarioProgress } = await import('../runner/cli/scenario-output/progress-line.js');
  const written: string[] = [];
  const progress = new ScenarioProgress({ write: (t: string) => written.push(t), columns: 30 }, true, plain, loaded.runs);
  progress.runStarting(loaded.runs[0], 1, 6);
  progress.runFinished(loaded.runs[0], streamRun(up, 0, 941.27));
  // Broken at spaces only, `ok  941.3` fitted the third line and left `Mbit/s` alone on a fourth.
  assert.equal(
    written.at(-1),
    ['[1/6]', '    uplink-through-the-lab-firewall-at-full-size', '    (repeat 1/3): ok', '    941.3 Mbit/s', ''].join('\n'),
  );
});

test('bench run wraps its opening lines to the width (COLUMNS when stderr is no terminal), as it does every other line', async () => {
  const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { runCli } = await import('./helpers/cli.js');
  const dir = await mkdtemp(join(tmpdir(), 'bench-fit-'));
  try {
    await writeFile(join(dir, 's.yaml'), 'name: a-scenario-with-a-rather-long-name\nruns:\n  - { test: TCP_RR, duration: 1s }\n');
    const r = await runCli(['run', join(dir, 's.yaml'), '-o', join(dir, 'out')], { env: { COLUMNS: '40' } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      r.stderr.startsWith(`a-scenario-with-a-rather-long-name: 1\n  run, about 1s of measuring\nResults go to ${join(dir, 'out')}\n`),
      r.stderr,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ALL_FIGURES,
  FIGURES,
  HEADLINE_FIGURES,
  figureValues,
  figuresOf,
  formatNumber,
  headlineText,
  rateShortfall,
  testFigureValues,
} from '../runner/core/figure-catalog.js';
import type { LatencySummary, RrFigures, RrulFigures, RunObject, StreamFigures } from '../runner/core/run-object.js';
import { defaultParams } from '../runner/core/params.js';
import { isRrTest } from '../runner/core/test-params.js';
import { summaryRows, summaryWarnings } from '../runner/cli/test-output/print-run.js';
import { intervalLine } from '../runner/cli/test-output/print-run.js';

/**
 * The figure catalogue (runner/core/figure-catalog.ts) is the one list of
 * figures; the results schema and the run-object types must say the same.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
interface SchemaObject {
  properties: Record<string, { type?: string; $ref?: string; anyOf?: Array<{ type?: string }> }>;
  required: string[];
}
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/results.schema.json'), 'utf8')) as { $defs: Record<string, SchemaObject> };

/** Every key of each figures type, written out so that a key added to run-object.ts alone fails to compile here. */
const STREAM_KEYS: Record<keyof StreamFigures, true> = {
  throughput_mbps: true,
  sender_mbps: true,
  target_mbps: true,
  upload_mbps: true,
  download_mbps: true,
  upload_loss_percent: true,
  download_loss_percent: true,
  bytes_sent: true,
  bytes_received: true,
  packets_sent: true,
  packets_received: true,
  packets_lost: true,
  loss_percent: true,
  out_of_order: true,
  duplicates: true,
  jitter_ms: true,
  retransmits: true,
  rtt_ms: true,
  rttvar_ms: true,
  cwnd_bytes: true,
  pmtu: true,
  snd_mss_bytes: true,
  rcv_mss_bytes: true,
};
const RR_KEYS: Record<keyof RrFigures, true> = {
  transactions: true,
  transactions_per_sec: true,
  latency_us: true,
  requests_sent: true,
  lost: true,
  loss_percent: true,
  late_replies: true,
  connect_failures: true,
  retransmits: true,
  rtt_ms: true,
  rttvar_ms: true,
  cwnd_bytes: true,
  pmtu: true,
  snd_mss_bytes: true,
  rcv_mss_bytes: true,
};
const RRUL_KEYS: Record<keyof RrulFigures, true> = {
  upload_mbps: true,
  download_mbps: true,
  idle_latency_us: true,
  loaded_latency_us: true,
  drain_latency_us: true,
  idle_loss_percent: true,
  loaded_loss_percent: true,
  drain_loss_percent: true,
  latency_increase_ms: true,
  responsiveness_rpm: true,
  probes_sent: true,
  probes_lost: true,
  probe_mbps: true,
  retransmits: true,
  rtt_ms: true,
  rttvar_ms: true,
  cwnd_bytes: true,
  pmtu: true,
  snd_mss_bytes: true,
  rcv_mss_bytes: true,
};
const LATENCY_KEYS: Record<keyof LatencySummary, true> = {
  min: true,
  mean: true,
  stddev: true,
  p50: true,
  p90: true,
  p99: true,
  p999: true,
  max: true,
};

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
const topLevel = (names: string[]): string[] => [...new Set(names.map((n) => n.split('.')[0]))];
const streamNames = [...new Set([...figuresOf('TCP_STREAM'), ...figuresOf('UDP_STREAM')])];
const rrNames = [...new Set([...figuresOf('TCP_RR'), ...figuresOf('UDP_RR'), ...figuresOf('TCP_CRR')])];
const rrulNames = figuresOf('RRUL');

test("the results schema lists exactly the catalogue's figures, integers as integers, required where every test of the kind has them", () => {
  const cases: Array<[string, string[], string[]]> = [
    [
      'stream_figures',
      streamNames,
      figuresOf('TCP_STREAM').filter(
        (n) => figuresOf('UDP_STREAM').includes(n) && FIGURES.find((f) => f.name === n)?.onlyWith === undefined,
      ),
    ],
    ['rr_figures', topLevel(rrNames), topLevel(figuresOf('TCP_RR').filter((n) => figuresOf('UDP_RR').includes(n)))],
    // The rates are each absent for one direction, TCP_INFO's where a path cannot read it; every other RRUL figure is
    // always there (null where it could not be measured).
    [
      'rrul_figures',
      topLevel(rrulNames),
      topLevel(rrulNames).filter((n) => n !== 'upload_mbps' && n !== 'download_mbps' && !figuresOf('TCP_RR').includes(n)),
    ],
    [
      'latency_summary',
      rrNames.filter((n) => n.startsWith('latency_us.')).map((n) => n.slice('latency_us.'.length)),
      Object.keys(LATENCY_KEYS),
    ],
  ];
  for (const [def, names, required] of cases) {
    const s = schema.$defs[def];
    assert.deepEqual(sorted(Object.keys(s.properties)), sorted(names), `${def}: properties`);
    assert.deepEqual(sorted(s.required), sorted(required), `${def}: required`);
  }
  for (const f of FIGURES) {
    const [top, sub] = f.name.split('.');
    const property =
      sub !== undefined
        ? schema.$defs.latency_summary.properties[sub]
        : schema.$defs[f.tests.includes('RRUL') ? 'rrul_figures' : f.tests.some((t) => isRrTest(t)) ? 'rr_figures' : 'stream_figures']
            .properties[top];
    // A figure that may be null (RRUL's latency increase with no idle echo) is a number or null.
    assert.equal(property.type ?? property.anyOf?.[0].type, f.integer ? 'integer' : 'number', `${f.name}: schema type`);
  }
});

test("the run-object types name exactly the catalogue's figures", () => {
  assert.deepEqual(sorted(Object.keys(RRUL_KEYS)), sorted(topLevel(rrulNames)));
  assert.deepEqual(sorted(Object.keys(STREAM_KEYS)), sorted(streamNames));
  assert.deepEqual(sorted(Object.keys(RR_KEYS)), sorted(topLevel(rrNames)));
  assert.deepEqual(
    sorted(Object.keys(LATENCY_KEYS).map((k) => `latency_us.${k}`)),
    sorted(rrNames.filter((n) => n.startsWith('latency_us.'))),
  );
});

test('derived from the catalogue: the names expectations accept, and the headline figures per test', () => {
  assert.deepEqual(
    ALL_FIGURES,
    FIGURES.map((f) => f.name),
  );
  assert.equal(new Set(ALL_FIGURES).size, ALL_FIGURES.length);
  assert.deepEqual(HEADLINE_FIGURES, {
    TCP_STREAM: ['throughput_mbps', 'upload_mbps', 'download_mbps'],
    UDP_STREAM: ['throughput_mbps', 'upload_mbps', 'download_mbps', 'loss_percent', 'jitter_ms'],
    TCP_RR: ['transactions_per_sec', 'latency_us.p50', 'latency_us.p99'],
    UDP_RR: ['transactions_per_sec', 'latency_us.p50', 'latency_us.p99', 'loss_percent'],
    TCP_CRR: ['transactions_per_sec', 'latency_us.p50', 'latency_us.p99'],
    RRUL: [
      'upload_mbps',
      'download_mbps',
      'latency_increase_ms',
      'responsiveness_rpm',
      'idle_latency_us.p50',
      'loaded_latency_us.p50',
      'loaded_loss_percent',
    ],
  });
});

const udpSummary: StreamFigures = {
  throughput_mbps: 563.91,
  sender_mbps: 564.2,
  target_mbps: 5000,
  bytes_sent: 211575000,
  bytes_received: 211575000,
  packets_sent: 413232,
  packets_received: 413232,
  packets_lost: 0,
  loss_percent: 0,
  out_of_order: 0,
  duplicates: 0,
  jitter_ms: 0.0123,
};

test("figure values: every finite number by dotted name in catalogue order; one test's catalogued ones only", () => {
  const rr = { transactions: 10, transactions_per_sec: 5.5, latency_us: { p99: 40, p50: 20, weird: 'x' }, future_mbps: 3, nan: NaN };
  assert.deepEqual(figureValues(rr), [
    ['transactions_per_sec', 5.5],
    ['latency_us.p50', 20],
    ['latency_us.p99', 40],
    ['transactions', 10],
    ['future_mbps', 3],
  ]);
  assert.deepEqual(testFigureValues('TCP_RR', rr), {
    transactions_per_sec: 5.5,
    'latency_us.p50': 20,
    'latency_us.p99': 40,
    transactions: 10,
  });
});

test('one number format for every figure: whole numbers stay whole, others get four significant digits', () => {
  assert.deepEqual([211575000, 359, 359.5, 14234.133, 0.0123456, 94.767, 0, 100, -20.04, 0.0000001].map(formatNumber), [
    '211575000',
    '359',
    '359.5',
    '14234',
    '0.01235',
    '94.77',
    '0',
    '100',
    '-20.04',
    '0',
  ]);
});

test('bench test: interval lines show the headline figures, the summary table one row per figure of the test', () => {
  assert.equal(headlineText('UDP_STREAM', udpSummary), '563.9 Mbit/s  loss 0%  jitter 0.0123 ms');
  assert.equal(
    intervalLine('TCP_RR', {
      start_s: 1,
      end_s: 2,
      omitted: true,
      figures: {
        transactions: 9,
        transactions_per_sec: 9000.4,
        latency_us: { min: 1, mean: 2, stddev: 0, p50: 2, p90: 3, p99: 4.5, p999: 5, max: 6 },
      },
    }),
    '[   1.00-2.00   s] 9000 trans/s  p50 2 µs  p99 4.5 µs  (omitted)',
  );
  const run = { test: 'UDP_STREAM', params: { ...defaultParams('UDP_STREAM'), rate_bps: 5e9 }, summary: udpSummary } as RunObject;
  assert.deepEqual(summaryRows(run), [
    ['throughput_mbps', '563.9', 'Mbit/s (receiver)'],
    ['sender_mbps', '564.2', 'Mbit/s (sender)'],
    ['target_mbps', '5000', 'Mbit/s (asked)'],
    ['loss_percent', '0', '% (receiver)'],
    ['jitter_ms', '0.0123', 'ms (receiver)'],
    ['packets_sent', '413232', 'packets (sender)'],
    ['packets_received', '413232', 'packets (receiver)'],
    ['packets_lost', '0', 'packets (receiver)'],
    ['out_of_order', '0', 'packets (receiver)'],
    ['duplicates', '0', 'packets (receiver)'],
    ['bytes_sent', '211575000', 'bytes (sender)'],
    ['bytes_received', '211575000', 'bytes (receiver)'],
  ]);
  assert.deepEqual(
    summaryRows({
      ...run,
      test: 'UDP_RR',
      summary: {
        transactions: 5,
        transactions_per_sec: 2.5,
        latency_us: { min: 1, mean: 1, stddev: 0, p50: 1, p90: 1, p99: 1, p999: 1, max: 1 },
        loss_percent: 0,
      },
    })
      .map((r) => r[2])
      .slice(0, 2),
    ['/s (client)', 'µs (client)'],
  );
});

// Issue 16: `{test: UDP_STREAM, rate: 5G, size: 512}` sent 564 Mbit/s and read as a clean 0% loss at 5G.
test('a UDP sender below 95% of its target rate is a warning in the summary; at 95% or unpaced it is not', () => {
  const run = { test: 'UDP_STREAM', summary: udpSummary } as RunObject;
  assert.deepEqual(summaryWarnings(run), [
    'the sender reached 564.2 of the 5000 Mbit/s asked (11.28%): loss and jitter describe that lighter load',
  ]);
  assert.equal(rateShortfall({ ...udpSummary, sender_mbps: 4750 }), null);
  assert.notEqual(rateShortfall({ ...udpSummary, sender_mbps: 4749.9 }), null);
  const { target_mbps: _target, ...unpaced } = udpSummary;
  assert.equal(rateShortfall(unpaced), null);
});

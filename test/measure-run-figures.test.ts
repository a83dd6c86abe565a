import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamReport, StreamSample } from '../runner/control/messages.js';
import { defaultParams } from '../runner/core/params.js';
import type { RrFigures, StreamFigures } from '../runner/core/run-object.js';
import { type TestName, type TestParams, omittedIntervalCount } from '../runner/core/test-params.js';
import { createLatencyHistogram, encodeHistogram } from '../runner/measure/latency-histogram.js';
import { computeFigures } from '../runner/measure/run-figures.js';

/**
 * computeFigures over hand-made counters: each case gives both sides' samples
 * as the data threads would report them and the exact figures they must make.
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

/** `samples` ends with the final sample, as a data thread sends them; the omit sample is the one at the omit boundary. */
function report(role: StreamReport['role'], samples: StreamSample[], omitted = 0, stream = 0, histogram?: string): StreamReport {
  return {
    stream,
    role,
    samples,
    omit_sample: omitted > 0 && omitted < samples.length ? samples[omitted - 1] : null,
    final: samples[samples.length - 1],
    cpu_s: null,
    ...(histogram !== undefined ? { latency_histogram: histogram } : {}),
  };
}

function params(test: TestName, changes: Partial<TestParams> = {}): TestParams {
  return { ...defaultParams(test), duration_s: 3, ...changes };
}

/** Round trips in ns below 2048, where the histogram keeps every nanosecond, so percentiles are exact. */
function histogramOf(ns: number[]): string {
  const h = createLatencyHistogram();
  for (const v of ns) h.recordValue(v);
  return encodeHistogram(h);
}

test('omittedIntervalCount: --omit rounded up to whole intervals, 0.3s of 0.1s intervals is 3', () => {
  const cases: Array<[number, number, number]> = [
    [0, 1, 0],
    [1, 1, 1],
    [0.5, 1, 1],
    [1.5, 1, 2],
    [0.3, 0.1, 3],
    [2, 0.5, 4],
  ];
  assert.deepEqual(
    cases.map(([omit_s, interval_s]) => omittedIntervalCount({ omit_s, interval_s })),
    cases.map(([, , n]) => n),
  );
});

interface StreamCase {
  name: string;
  params: TestParams;
  sender: StreamSample[];
  receiver: StreamSample[];
  omitted?: number;
  summary: StreamFigures;
  duration_s: number;
  intervals?: Array<{ start_s: number; end_s: number; omitted: boolean; figures: StreamFigures }>;
}

const M = 1e6;
const STREAM_CASES: StreamCase[] = [
  {
    name: 'TCP_STREAM: throughput over the receiver time, sender_mbps over the sender time, bytes of each side',
    params: params('TCP_STREAM', { duration_s: 2 }),
    sender: [sample(1, { bytes: 100 * M }), sample(2, { bytes: 200 * M })],
    receiver: [sample(1, { bytes: 99 * M }), sample(2.01, { bytes: 200 * M })],
    summary: { throughput_mbps: 796.02, sender_mbps: 800, bytes_sent: 200 * M, bytes_received: 200 * M },
    duration_s: 2.01,
    intervals: [
      {
        start_s: 0,
        end_s: 1,
        omitted: false,
        figures: { throughput_mbps: 792, sender_mbps: 800, bytes_sent: 100 * M, bytes_received: 99 * M },
      },
      {
        start_s: 1,
        end_s: 2.01,
        omitted: false,
        figures: { throughput_mbps: 800, sender_mbps: 800, bytes_sent: 100 * M, bytes_received: 101 * M },
      },
    ],
  },
  {
    // Issue 17: the receiver started first (reverse), so at its omit boundary it had 100 MB while the sender,
    // at its own, had sent 120 MB; cut each at its own sample, 260 MB "received" of 240 MB "sent".
    name: "TCP_STREAM with --omit: both sides cut at the receiver's byte count, sender time interpolated to that count",
    params: params('TCP_STREAM', { omit_s: 1, reverse: true }),
    sender: [sample(1, { bytes: 120 * M }), sample(2, { bytes: 240 * M }), sample(3, { bytes: 360 * M })],
    receiver: [sample(1, { bytes: 100 * M }), sample(2, { bytes: 220 * M }), sample(3.02, { bytes: 360 * M })],
    omitted: 1,
    summary: { throughput_mbps: 1029.703, sender_mbps: 960, bytes_sent: 260 * M, bytes_received: 260 * M },
    duration_s: 2.02,
  },
  {
    name: 'TCP_STREAM with a zero-length last interval: rates 0, not Infinity or NaN',
    params: params('TCP_STREAM', { duration_s: 2 }),
    sender: [sample(1, { bytes: 50 * M }), sample(1, { bytes: 50 * M })],
    receiver: [sample(1, { bytes: 50 * M }), sample(1, { bytes: 50 * M })],
    summary: { throughput_mbps: 400, sender_mbps: 400, bytes_sent: 50 * M, bytes_received: 50 * M },
    duration_s: 1,
    intervals: [
      {
        start_s: 0,
        end_s: 1,
        omitted: false,
        figures: { throughput_mbps: 400, sender_mbps: 400, bytes_sent: 50 * M, bytes_received: 50 * M },
      },
      { start_s: 1, end_s: 1, omitted: false, figures: { throughput_mbps: 0, sender_mbps: 0, bytes_sent: 0, bytes_received: 0 } },
    ],
  },
  {
    name: 'UDP_STREAM: lost = gaps seen plus datagrams after the last one received; loss, reordering, copies, jitter',
    params: params('UDP_STREAM', { duration_s: 2, size_bytes: 1000 }),
    sender: [sample(1, { packets: 1000, bytes: 1000 * 1000 }), sample(2, { packets: 2000, bytes: 2000 * 1000 })],
    receiver: [
      sample(1, { packets: 990, bytes: 990 * 1000, lost: 5, out_of_order: 1, jitter_ms: 0.02 }),
      sample(2.01, { packets: 1970, bytes: 1970 * 1000, lost: 12, out_of_order: 3, duplicates: 2, jitter_ms: 0.04 }),
    ],
    summary: {
      throughput_mbps: 7.841,
      sender_mbps: 8,
      bytes_sent: 2000 * 1000,
      bytes_received: 1970 * 1000,
      packets_sent: 2000,
      packets_received: 1970,
      packets_lost: 30,
      loss_percent: 1.5,
      out_of_order: 3,
      duplicates: 2,
      jitter_ms: 0.04,
    },
    duration_s: 2.01,
    intervals: [
      {
        start_s: 0,
        end_s: 1,
        omitted: false,
        figures: {
          throughput_mbps: 7.92,
          sender_mbps: 8,
          bytes_sent: 1000 * 1000,
          bytes_received: 990 * 1000,
          packets_sent: 1000,
          packets_received: 990,
          packets_lost: 5,
          loss_percent: 0.5025,
          out_of_order: 1,
          duplicates: 0,
          jitter_ms: 0.02,
        },
      },
      {
        // 7 gaps inside the interval and 18 never seen at the end.
        start_s: 1,
        end_s: 2.01,
        omitted: false,
        figures: {
          throughput_mbps: 7.762,
          sender_mbps: 8,
          bytes_sent: 1000 * 1000,
          bytes_received: 980 * 1000,
          packets_sent: 1000,
          packets_received: 980,
          packets_lost: 25,
          loss_percent: 2.4876,
          out_of_order: 2,
          duplicates: 2,
          jitter_ms: 0.04,
        },
      },
    ],
  },
  {
    // Issue 17: `--rate 500M --omit 1s --duration 3s --reverse` gave packets_received > packets_sent and 0 lost with 34 missing.
    name: "UDP_STREAM with --omit: both sides cut at the receiver's sequence position, the 34 missing at the end are lost",
    params: params('UDP_STREAM', { omit_s: 1, size_bytes: 1000, reverse: true, rate_bps: 10e6 }),
    sender: [
      sample(1, { packets: 1200, bytes: 1200 * 1000 }),
      sample(2, { packets: 2400, bytes: 2400 * 1000 }),
      sample(3, { packets: 3600, bytes: 3600 * 1000 }),
    ],
    receiver: [
      sample(1, { packets: 1000, bytes: 1000 * 1000 }),
      sample(2, { packets: 2390, bytes: 2390 * 1000, lost: 10 }),
      sample(3.01, { packets: 3560, bytes: 3560 * 1000, lost: 6, out_of_order: 2, duplicates: 1, jitter_ms: 0.05 }),
    ],
    omitted: 1,
    summary: {
      throughput_mbps: 10.189,
      sender_mbps: 9.6,
      target_mbps: 10,
      bytes_sent: 2600 * 1000,
      bytes_received: 2560 * 1000,
      packets_sent: 2600,
      packets_received: 2560,
      packets_lost: 40,
      loss_percent: 1.5385,
      out_of_order: 2,
      duplicates: 1,
      jitter_ms: 0.05,
    },
    duration_s: 2.01,
  },
  {
    name: 'UDP_STREAM with --omit: datagrams from before the cut arriving late do not make received exceed sent',
    params: params('UDP_STREAM', { duration_s: 2, omit_s: 1, size_bytes: 100 }),
    sender: [sample(1, { packets: 1010, bytes: 1010 * 100 }), sample(2, { packets: 2010, bytes: 2010 * 100 })],
    receiver: [
      sample(1, { packets: 1000, bytes: 1000 * 100, lost: 10 }),
      sample(2, { packets: 2010, bytes: 2010 * 100, out_of_order: 10 }),
    ],
    omitted: 1,
    summary: {
      throughput_mbps: 0.8,
      sender_mbps: 0.8,
      bytes_sent: 1000 * 100,
      bytes_received: 1000 * 100,
      packets_sent: 1000,
      packets_received: 1000,
      packets_lost: 0,
      loss_percent: 0,
      out_of_order: 10,
      duplicates: 0,
      jitter_ms: 0,
    },
    duration_s: 1,
  },
  {
    name: 'UDP_STREAM where nothing arrived: everything sent is lost, throughput 0',
    params: params('UDP_STREAM', { duration_s: 1, size_bytes: 500 }),
    sender: [sample(1, { packets: 10, bytes: 5000 })],
    receiver: [sample(1)],
    summary: {
      throughput_mbps: 0,
      sender_mbps: 0.04,
      bytes_sent: 5000,
      bytes_received: 0,
      packets_sent: 10,
      packets_received: 0,
      packets_lost: 10,
      loss_percent: 100,
      out_of_order: 0,
      duplicates: 0,
      jitter_ms: 0,
    },
    duration_s: 1,
  },
];

for (const c of STREAM_CASES) {
  test(`computeFigures, ${c.name}`, () => {
    const omitted = c.omitted ?? 0;
    const sender = report('sender', c.sender, omitted);
    const receiver = report('receiver', c.receiver, omitted);
    const [client, server] = c.params.reverse ? [receiver, sender] : [sender, receiver];
    const computed = computeFigures(c.params, [client], [server]);
    assert.deepEqual(computed.summary, c.summary);
    assert.equal(computed.duration_s, c.duration_s);
    assert.deepEqual(
      computed.intervals.map((r) => r.omitted),
      c.receiver.map((_, k) => k < omitted),
    );
    if (c.intervals) assert.deepEqual(computed.intervals, c.intervals);
  });
}

test('computeFigures, two TCP_STREAM streams: rates add up, each over its own time, and every interval keeps each stream', () => {
  const p = params('TCP_STREAM', { duration_s: 1, streams: 2 });
  const client = [report('sender', [sample(1, { bytes: 10 * M })], 0, 0), report('sender', [sample(1, { bytes: 30 * M })], 0, 1)];
  const server = [report('receiver', [sample(1, { bytes: 10 * M })], 0, 0), report('receiver', [sample(2, { bytes: 30 * M })], 0, 1)];
  const computed = computeFigures(p, client, server);
  assert.deepEqual(computed.summary, { throughput_mbps: 200, sender_mbps: 320, bytes_sent: 40 * M, bytes_received: 40 * M });
  assert.deepEqual(computed.intervals[0].streams, [
    { throughput_mbps: 80, sender_mbps: 80, bytes_sent: 10 * M, bytes_received: 10 * M },
    { throughput_mbps: 120, sender_mbps: 240, bytes_sent: 30 * M, bytes_received: 30 * M },
  ]);
  assert.equal(computed.duration_s, 2);
});

interface RrCase {
  name: string;
  params: TestParams;
  client: StreamSample[];
  histogram: number[];
  omitted?: number;
  summary: RrFigures;
  duration_s: number;
  intervals?: Array<Partial<RrFigures>>;
}

const LATENCY_1_1_1_2 = { min: 1, mean: 1.25, stddev: 0.433, p50: 1, p90: 2, p99: 2, p999: 2, max: 2 };
const INTERVAL_LATENCY = { min: 5, mean: 6, stddev: 1, p50: 6, p90: 7, p99: 8, p999: 9, max: 10 };
const NO_LATENCY = { min: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };

const RR_CASES: RrCase[] = [
  {
    name: 'TCP_RR: transactions per second over the client time, latency from the summary histogram',
    params: params('TCP_RR', { duration_s: 2 }),
    client: [
      sample(1, { transactions: 1000, interval_latency_us: INTERVAL_LATENCY }),
      sample(2, { transactions: 2100, interval_latency_us: INTERVAL_LATENCY }),
    ],
    histogram: [1000, 1000, 1000, 2000],
    summary: { transactions: 2100, transactions_per_sec: 1050, latency_us: LATENCY_1_1_1_2 },
    duration_s: 2,
    intervals: [
      { transactions: 1000, transactions_per_sec: 1000, latency_us: INTERVAL_LATENCY },
      { transactions: 1100, transactions_per_sec: 1100, latency_us: INTERVAL_LATENCY },
    ],
  },
  {
    name: 'TCP_RR with --omit: the summary counts from the omit sample; the histogram is already the post-omit one',
    params: params('TCP_RR', { omit_s: 1 }),
    client: [sample(1, { transactions: 500 }), sample(2, { transactions: 1500 }), sample(3.5, { transactions: 3000 })],
    histogram: [1000, 1000, 1000, 2000],
    omitted: 1,
    summary: { transactions: 2500, transactions_per_sec: 1000, latency_us: LATENCY_1_1_1_2 },
    duration_s: 2.5,
  },
  {
    name: 'TCP_RR with a zero-length interval and no transaction: 0 per second, latency 0',
    params: params('TCP_RR', { duration_s: 1 }),
    client: [sample(1), sample(1)],
    histogram: [],
    summary: { transactions: 0, transactions_per_sec: 0, latency_us: NO_LATENCY },
    duration_s: 1,
    intervals: [
      { transactions: 0, transactions_per_sec: 0, latency_us: NO_LATENCY },
      { transactions: 0, transactions_per_sec: 0, latency_us: NO_LATENCY },
    ],
  },
  {
    name: 'UDP_RR: requests = transactions + timeouts; a late reply turns a timeout from lost into slow',
    params: params('UDP_RR', { duration_s: 2 }),
    client: [
      sample(1, { transactions: 400, timeouts: 40, late_replies: 10 }),
      sample(2, { transactions: 900, timeouts: 100, late_replies: 30 }),
    ],
    histogram: [1000, 1000, 1000, 2000],
    summary: {
      transactions: 900,
      transactions_per_sec: 450,
      latency_us: LATENCY_1_1_1_2,
      requests_sent: 1000,
      lost: 70,
      loss_percent: 7,
      late_replies: 30,
    },
    duration_s: 2,
    intervals: [
      { transactions: 400, requests_sent: 440, lost: 30, loss_percent: 6.8182, late_replies: 10 },
      { transactions: 500, requests_sent: 560, lost: 40, loss_percent: 7.1429, late_replies: 20 },
    ],
  },
  {
    name: 'UDP_RR with --omit: late replies to requests given up on before the cut never make lost negative',
    params: params('UDP_RR', { duration_s: 2, omit_s: 1 }),
    client: [
      sample(1, { transactions: 400, timeouts: 50, late_replies: 10 }),
      sample(2, { transactions: 900, timeouts: 55, late_replies: 25 }),
    ],
    histogram: [1000, 1000, 1000, 2000],
    omitted: 1,
    summary: {
      transactions: 500,
      transactions_per_sec: 500,
      latency_us: LATENCY_1_1_1_2,
      requests_sent: 505,
      lost: 0,
      loss_percent: 0,
      late_replies: 15,
    },
    duration_s: 1,
  },
];

for (const c of RR_CASES) {
  test(`computeFigures, ${c.name}`, () => {
    const omitted = c.omitted ?? 0;
    const computed = computeFigures(c.params, [report('rr-client', c.client, omitted, 0, histogramOf(c.histogram))], []);
    assert.deepEqual(computed.summary, c.summary);
    assert.equal(computed.duration_s, c.duration_s);
    assert.deepEqual(
      computed.intervals.map((r) => r.omitted),
      c.client.map((_, k) => k < omitted),
    );
    if (c.intervals) {
      assert.deepEqual(
        computed.intervals.map((r) =>
          Object.fromEntries(Object.keys(c.intervals![0]).map((k) => [k, (r.figures as unknown as Record<string, unknown>)[k]])),
        ),
        c.intervals,
      );
    }
  });
}

// Issue 16: a paced UDP_STREAM that fell short of its rate read as a clean result at the rate asked.
test('computeFigures, UDP_STREAM with a rate: the target of all streams together beside what the senders reached', () => {
  const p = params('UDP_STREAM', { duration_s: 1, streams: 2, rate_bps: 5e9, size_bytes: 512 });
  const sent = (stream: number) => report('sender', [sample(1, { packets: 70_000, bytes: 70_000 * 512 })], 0, stream);
  const received = (stream: number) => report('receiver', [sample(1, { packets: 70_000, bytes: 70_000 * 512 })], 0, stream);
  const { summary, intervals } = computeFigures(p, [sent(0), sent(1)], [received(0), received(1)]);
  assert.deepEqual(Object.entries(summary).slice(0, 3), [
    ['throughput_mbps', 573.44],
    ['sender_mbps', 573.44],
    ['target_mbps', 10000],
  ]);
  assert.equal('target_mbps' in intervals[0].figures, false);
  const unpaced = computeFigures({ ...p, rate_bps: 0 }, [sent(0), sent(1)], [received(0), received(1)]);
  assert.equal('target_mbps' in unpaced.summary, false);
});

import fc from 'fast-check';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamReport, StreamSample } from '../runner/control/messages.js';
import { defaultParams } from '../runner/core/params.js';
import type { StreamFigures } from '../runner/core/run-object.js';
import type { TestParams } from '../runner/core/test-params.js';
import { computeFigures } from '../runner/measure/run-figures.js';
import { UdpSequenceTracker } from '../runner/measure/udp-sequence-tracker.js';

/**
 * The relations the README promises between STREAM figures, as properties
 * over simulated runs: each side samples its own counters at its own
 * interval boundaries, by its own clock, and the receiver's clock started
 * `leadMs` before the sender's (positive with --reverse, where START reaches
 * the client first). Datagrams are lost, delayed, reordered and duplicated.
 *
 *   received <= sent, lost = sent - received, loss_percent = 100 lost / sent
 *
 * with and without --omit; TCP delivers every byte, so received = sent.
 */
const SIZE = 1000;

function sample(t: number, counts: Partial<StreamSample>): StreamSample {
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

function report(role: 'sender' | 'receiver', samples: StreamSample[], omitted: number): StreamReport {
  return {
    stream: 0,
    role,
    samples,
    omit_sample: omitted > 0 ? samples[omitted - 1] : null,
    final: samples[samples.length - 1],
    cpu_s: null,
  };
}

interface Shape {
  intervals: number;
  omitted: number;
  leadMs: number;
}

const shape: fc.Arbitrary<Shape> = fc
  .record({
    intervals: fc.integer({ min: 2, max: 5 }),
    omitted: fc.integer({ min: 0, max: 4 }),
    leadMs: fc.integer({ min: -300, max: 300 }),
  })
  .map((s) => ({ ...s, omitted: Math.min(s.omitted, s.intervals - 1) }));

function paramsOf(s: Shape, test: 'TCP_STREAM' | 'UDP_STREAM'): TestParams {
  return { ...defaultParams(test), duration_s: s.intervals, interval_s: 1, omit_s: s.omitted, size_bytes: SIZE };
}

/** Sample times in ms on one side's clock: each boundary inside the run, then the end. */
function boundariesMs(s: Shape, endMs: number): number[] {
  return [...Array.from({ length: s.intervals - 1 }, (_, k) => (k + 1) * 1000), endMs];
}

interface Datagram {
  gapMs: number;
  delayMs: number;
  copies: 0 | 1 | 2;
}

const datagram: fc.Arbitrary<Datagram> = fc.record({
  gapMs: fc.integer({ min: 0, max: 40 }),
  delayMs: fc.integer({ min: 0, max: 400 }),
  copies: fc.constantFrom<0 | 1 | 2>(0, 1, 1, 1, 2),
});

interface UdpRun {
  params: TestParams;
  sender: StreamReport;
  receiver: StreamReport;
  /** Sequence number where the summary starts (the receiver's position at its omit boundary) and what arrived from there on. */
  cut: number;
  distinctFromCut: number;
  /** Datagrams from before the cut that arrived after the receiver's omit boundary. */
  lateAcrossCut: number;
}

function simulateUdp(s: Shape, datagrams: Datagram[]): UdpRun {
  const durationMs = s.intervals * 1000;
  const sentAt: number[] = [];
  let t = 0;
  for (const d of datagrams) {
    t += d.gapMs;
    if (t >= durationMs) break;
    sentAt.push(t);
  }
  const senderSamples = boundariesMs(s, durationMs).map((b) => {
    const packets = sentAt.filter((at) => at < b || b === durationMs).length;
    return sample(b / 1000, { packets, bytes: packets * SIZE });
  });

  const arrivals = sentAt
    .flatMap((at, seq) =>
      Array.from({ length: datagrams[seq].copies }, (_, copy) => ({ seq, at: Math.max(0, at + s.leadMs + datagrams[seq].delayMs + copy) })),
    )
    .sort((a, b) => a.at - b.at);
  const endMs = Math.max(durationMs, ...arrivals.map((a) => a.at));
  const tracker = new UdpSequenceTracker();
  const receiverSamples: StreamSample[] = [];
  let next = 0;
  const arrivedAfterOmit: number[] = [];
  for (const b of boundariesMs(s, endMs)) {
    for (; next < arrivals.length && (arrivals[next].at < b || b === endMs); next++) {
      tracker.record(arrivals[next].seq);
      if (receiverSamples.length >= s.omitted) arrivedAfterOmit.push(arrivals[next].seq);
    }
    receiverSamples.push(
      sample(b / 1000, {
        packets: tracker.received,
        lost: tracker.lost,
        bytes: tracker.received * SIZE,
        out_of_order: tracker.outOfOrder,
        duplicates: tracker.duplicates,
      }),
    );
  }
  const omitSample = s.omitted > 0 ? receiverSamples[s.omitted - 1] : null;
  const cut = omitSample ? omitSample.packets + omitSample.lost : 0;
  return {
    params: paramsOf(s, 'UDP_STREAM'),
    sender: report('sender', senderSamples, s.omitted),
    receiver: report('receiver', receiverSamples, s.omitted),
    cut,
    distinctFromCut: new Set(arrivedAfterOmit.filter((seq) => seq >= cut)).size,
    lateAcrossCut: arrivedAfterOmit.filter((seq) => seq < cut).length,
  };
}

function assertFiguresSane(f: StreamFigures): void {
  for (const [name, value] of Object.entries(f)) assert.ok(Number.isFinite(value) && value >= 0, `${name} = ${value}`);
}

for (const reverse of [false, true]) {
  test(`UDP_STREAM${reverse ? ' --reverse' : ''}: received <= sent and lost = sent - received, with and without --omit (property)`, () => {
    fc.assert(
      fc.property(shape, fc.array(datagram, { maxLength: 300, size: 'max' }), (s, datagrams) => {
        const run = simulateUdp(s, datagrams);
        const params = { ...run.params, reverse };
        const [client, server] = reverse ? [run.receiver, run.sender] : [run.sender, run.receiver];
        const { summary, intervals } = computeFigures(params, [client], [server]);
        const f = summary as StreamFigures;
        assertFiguresSane(f);
        for (const r of intervals) assertFiguresSane(r.figures as StreamFigures);
        const sent = f.packets_sent!;
        const received = f.packets_received!;
        assert.equal(sent, run.sender.final.packets - run.cut, 'sent counts the datagrams from the cut on');
        assert.ok(received <= sent, `received ${received} > sent ${sent}`);
        assert.equal(f.packets_lost, sent - received);
        assert.equal(f.loss_percent, sent > 0 ? Number(((100 * (sent - received)) / sent).toFixed(4)) : 0);
        assert.ok(f.bytes_received <= f.bytes_sent, `bytes received ${f.bytes_received} > sent ${f.bytes_sent}`);
        // Sent and received describe the same datagrams: those from the cut on.
        if (run.lateAcrossCut === 0) assert.equal(received, run.distinctFromCut);
      }),
      { numRuns: 300 },
    );
  });
}

interface Write {
  gapMs: number;
  bytes: number;
}

test('TCP_STREAM: every byte sent is received, so bytes_received = bytes_sent, with and without --omit, whichever side started first (property)', () => {
  const write: fc.Arbitrary<Write> = fc.record({ gapMs: fc.integer({ min: 0, max: 60 }), bytes: fc.integer({ min: 1, max: 1 << 20 }) });
  fc.assert(
    fc.property(
      shape,
      fc.array(write, { maxLength: 200, size: 'max' }),
      fc.integer({ min: 0, max: 300 }),
      fc.boolean(),
      (s, writes, delayMs, reverse) => {
        const durationMs = s.intervals * 1000;
        const sent: Array<{ at: number; total: number }> = [];
        let t = 0;
        let total = 0;
        for (const w of writes) {
          t += w.gapMs;
          if (t >= durationMs) break;
          total += w.bytes;
          sent.push({ at: t, total });
        }
        const bytesBy = (times: Array<{ at: number; total: number }>, b: number, end: number): number =>
          times.filter((x) => x.at < b || b === end).at(-1)?.total ?? 0;
        const senderSamples = boundariesMs(s, durationMs).map((b) => sample(b / 1000, { bytes: bytesBy(sent, b, durationMs) }));
        const arrived = sent.map((x) => ({ at: Math.max(0, x.at + s.leadMs + delayMs), total: x.total }));
        const endMs = Math.max(durationMs, ...arrived.map((x) => x.at));
        const receiverSamples = boundariesMs(s, endMs).map((b) => sample(b / 1000, { bytes: bytesBy(arrived, b, endMs) }));
        const sender = report('sender', senderSamples, s.omitted);
        const receiver = report('receiver', receiverSamples, s.omitted);
        const [client, server] = reverse ? [receiver, sender] : [sender, receiver];
        const { summary, intervals } = computeFigures({ ...paramsOf(s, 'TCP_STREAM'), reverse }, [client], [server]);
        const f = summary as StreamFigures;
        assertFiguresSane(f);
        for (const r of intervals) assertFiguresSane(r.figures as StreamFigures);
        assert.equal(f.bytes_received, f.bytes_sent);
        assert.equal(f.bytes_sent, total - (s.omitted > 0 ? receiverSamples[s.omitted - 1].bytes : 0));
      },
    ),
    { numRuns: 300 },
  );
});

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { isRrFigures, type Figures, type RrFigures, type RunObject, type StreamFigures } from '../../runner/core/run-object.js';
import { benchCliMissing, benchTestArgv, runBenchTest, startBenchServer } from '../netns/bench-cli.js';
import { tail } from '../netns/processes.js';
import { hostPort } from '../netns/host.js';
import { runIperf3, startIperf3Server } from '../netns/iperf3.js';
import { runSockperf, startSockperfServer, SOCKPERF_MIN_MESSAGE } from '../netns/sockperf.js';
import { Testbed } from '../netns/testbed.js';
import { missingTools, testbedAvailable } from '../netns/testbed-available.js';

/**
 * Accuracy on a real (shaped, lossy) link between two network namespaces:
 * our figures against iperf3 and sockperf measured on the same link in the
 * same test, and against the loss we injected. These are figures, not speed
 * goals: they hold on a busy machine because the link, not the CPU, sets the
 * pace. Needs root, iproute2, nftables and iperf3 (sockperf for the RR test);
 * skipped with the reason otherwise. About 55 s in all; up to 90 s on a busy
 * machine, where the 1gbit comparison may need its three attempts.
 */

const skip = testbedAvailable() ?? benchCliMissing();
const BENCH_PORT = 7575;
const IPERF_PORT = 5201;
const SOCKPERF_PORT = 11111;

function stream(run: RunObject): StreamFigures {
  assert.ok(run.summary && !isRrFigures(run.summary), `${run.test} run has no stream summary: ${JSON.stringify(run.summary)}`);
  return run.summary as StreamFigures;
}

function rr(figures: Figures | null, where: string): RrFigures {
  assert.ok(figures && isRrFigures(figures), `${where} has no RR figures: ${JSON.stringify(figures)}`);
  return figures;
}

const mbps = (v: number): string => `${v.toFixed(1)} Mbit/s`;

/** How many iperf3-then-ours pairs to try before giving up on a busy machine. */
const STREAM_ATTEMPTS = 3;
/** iperf3 must get this share of the nominal rate for the link, not the CPU, to have set the pace. */
const LINK_BOUND_SHARE = 0.9;

/**
 * iperf3 then ours on one link, receiver figures on both; ours must be within
 * 3% of iperf3. A pair counts only when iperf3 itself filled the link: on a
 * busy shared machine the CPU can hold either tool below the link rate, and
 * then the pair compares two schedulers, not two measurements. Such a pair is
 * run again, up to STREAM_ATTEMPTS times.
 */
async function compareTcpStream(t: TestContext, rate: string, nominal_mbps: number): Promise<void> {
  await Testbed.use({}, async (tb) => {
    await tb.shape(rate);
    await startIperf3Server(tb, tb.b, IPERF_PORT);
    await startBenchServer(tb, tb.b, BENCH_PORT);
    const pairs: string[] = [];
    let judged = 0;
    for (let attempt = 1; attempt <= STREAM_ATTEMPTS; attempt++) {
      const reference = (await runIperf3(tb, tb.a, { server: tb.b.address, port: IPERF_PORT, duration_s: 4, omit_s: 1 })).receiver_mbps;
      // iperf3 runs -t 4 beyond its -O 1; our --omit is inside --duration: both measure 4 s after 1 s of warm-up.
      const ours = stream(
        await runBenchTest(tb, tb.a, { test: 'TCP_STREAM', peer: hostPort(tb.b.address, BENCH_PORT), duration_s: 5, omit_s: 1 }),
      ).throughput_mbps;
      const error = Math.abs(ours - reference) / reference;
      const linkBound = reference >= LINK_BOUND_SHARE * nominal_mbps;
      pairs.push(
        `ours ${mbps(ours)} vs iperf3 ${mbps(reference)} (${(error * 100).toFixed(2)}% off${linkBound ? '' : ', iperf3 below the link rate: not judged'})`,
      );
      t.diagnostic(`attempt ${attempt}: ${pairs[pairs.length - 1]}`);
      if (!linkBound) continue;
      judged += 1;
      if (error <= 0.03) return;
    }
    if (judged === 0) {
      t.skip(
        `machine too busy to judge accuracy: iperf3 never reached ${LINK_BOUND_SHARE * 100}% of the ${rate} link in ${STREAM_ATTEMPTS} attempts: ${pairs.join('; ')}`,
      );
      return;
    }
    assert.fail(
      `TCP_STREAM over a ${rate} link, receiver figures: ours is not within 3% of iperf3 in any attempt where iperf3 filled the link: ${pairs.join('; ')}`,
    );
  });
}

test('TCP_STREAM over a 100mbit link is within 3% of iperf3 on the same link', { skip }, (t) => compareTcpStream(t, '100mbit', 100));

test('TCP_STREAM over a 1gbit link is within 3% of iperf3 on the same link', { skip }, (t) => compareTcpStream(t, '1gbit', 1000));

test('UDP_STREAM paced at 50M through a 1% UDP drop reports loss_percent between 0.7 and 1.3', { skip }, async (t) => {
  await Testbed.use({}, async (tb) => {
    await tb.shape('1gbit');
    await tb.addUdpDrop(tb.b, 10);
    await startBenchServer(tb, tb.b, BENCH_PORT);
    const overflowBefore = await tb.udpReceiveBufferErrors(tb.b);
    // 4 s at 50 Mbit/s of 1472-byte datagrams is ~17,000 packets: 1% +- 0.08% (one standard deviation).
    const s = stream(
      await runBenchTest(tb, tb.a, {
        test: 'UDP_STREAM',
        peer: hostPort(tb.b.address, BENCH_PORT),
        duration_s: 4,
        rate: '50M',
        size_bytes: 1472,
      }),
    );
    const { arrived, dropped } = await tb.udpDropCounts(tb.b);
    // A receiver starved of CPU on a busy machine loses datagrams to a full socket buffer too; the kernel counts those.
    const overflowed = (await tb.udpReceiveBufferErrors(tb.b)) - overflowBefore;
    const sent = s.packets_sent ?? NaN;
    const lost = s.packets_lost ?? NaN;
    const figures =
      `ours: ${lost} lost of ${sent} sent (loss_percent ${s.loss_percent}), receiver ${mbps(s.throughput_mbps)}; ` +
      `kernel: the drop rule dropped ${dropped} of ${arrived}, ${overflowed} discarded for a full receive buffer`;
    t.diagnostic(figures);
    assert.ok(
      Math.abs(lost - (dropped + overflowed)) <= Math.max(5, 0.001 * sent),
      `UDP_STREAM loss accounting: ours should count every datagram the kernel dropped: ${figures}`,
    );
    const linkLoss = (100 * (lost - overflowed)) / sent;
    assert.ok(
      linkLoss >= 0.7 && linkLoss <= 1.3,
      `UDP_STREAM at 50M through a 1% drop: loss on the link ${linkLoss.toFixed(3)}%, expected 0.7-1.3: ${figures}`,
    );
    assert.ok(
      s.throughput_mbps > 45 && s.throughput_mbps < 52,
      `UDP_STREAM paced at 50M: receiver ${mbps(s.throughput_mbps)}, expected 45-52 (50M less 1% loss)`,
    );
  });
});

test('UDP_RR through a 1% UDP drop reports loss near 1% and never stalls an interval', { skip }, async (t) => {
  await Testbed.use({}, async (tb) => {
    await tb.shape('1gbit');
    // Only requests arriving at the server are dropped, so one transaction in a hundred is lost.
    await tb.addUdpDrop(tb.b, 10);
    await startBenchServer(tb, tb.b, BENCH_PORT);
    const run = await runBenchTest(tb, tb.a, { test: 'UDP_RR', peer: hostPort(tb.b.address, BENCH_PORT), duration_s: 4 });
    const s = rr(run.summary, 'UDP_RR summary');
    const loss = s.loss_percent ?? NaN;
    const { arrived, dropped } = await tb.udpDropCounts(tb.b);
    const perInterval = run.intervals.map((i) => rr(i.figures, `interval ${i.start_s}-${i.end_s} s`).transactions);
    const figures = `ours: ${s.lost} lost (and ${s.late_replies} late replies) of ${s.requests_sent} requests, loss_percent ${loss}; the drop rule dropped ${dropped} of ${arrived}`;
    t.diagnostic(`${figures}; ${s.transactions_per_sec.toFixed(0)} transactions/s; per interval ${perInterval.join(', ')}`);
    assert.ok(loss >= 0.5 && loss <= 1.5, `UDP_RR through a 1% drop: loss_percent ${loss}, expected 0.5-1.5: ${figures}`);
    // Only requests pass the rule, so each datagram it dropped is one request that got no reply.
    assert.ok(
      Math.abs((s.lost ?? NaN) - dropped) <= Math.max(5, 0.001 * (s.requests_sent ?? 0)),
      `UDP_RR loss accounting: ours should count every request the kernel dropped: ${figures}`,
    );
    assert.ok(run.intervals.length >= 4, `UDP_RR over 4 s at 1 s intervals gave ${run.intervals.length} intervals, expected at least 4`);
    assert.ok(
      perInterval.every((n) => n > 0),
      `UDP_RR through a 1% drop stalled: transactions per interval ${perInterval.join(', ')}`,
    );
  });
});

test('TCP_STREAM shows a mid-run rate change (1gbit to 100mbit) in its interval series', { skip }, async (t) => {
  await Testbed.use({}, async (tb) => {
    await tb.shape('1gbit');
    await startBenchServer(tb, tb.b, BENCH_PORT);
    // JSON Lines as they happen: the rate changes once the run has streamed its third interval, a whole interval
    // (0-1 s) more than a second before it and three (4-7 s) more than a second after it.
    const argv = benchTestArgv({ test: 'TCP_STREAM', peer: hostPort(tb.b.address, BENCH_PORT), duration_s: 7 }).map((a) =>
      a === '--json' ? '--json-stream' : a,
    );
    const client = tb.start(tb.a, argv);
    const streamed = (): Array<{ event: string; interval?: { end_s: number }; result?: RunObject }> =>
      client.stdout
        .split('\n')
        // Whole lines only: the last piece is empty or still being written.
        .slice(0, -1)
        .map((l) => JSON.parse(l) as { event: string; interval?: { end_s: number }; result?: RunObject });
    const third = await new Promise<{ end_s: number; heardAt: number }>((resolve, reject) => {
      const check = (): void => {
        const intervals = streamed().filter((l) => l.event === 'interval');
        if (intervals.length >= 3) resolve({ end_s: intervals[2].interval!.end_s, heardAt: Date.now() });
      };
      client.child.stdout?.on('data', check);
      void client.exited.then(() =>
        reject(new Error(`bench test ended before its third interval: ${tail(client.stderr + client.stdout)}`)),
      );
    });
    const changedAt = Date.now();
    await tb.changeRate('100mbit');
    const { code } = await client.exited;
    assert.equal(code, 0, `bench test exited ${code}: ${tail(client.stderr)}`);
    const run = streamed().find((l) => l.event === 'run_end')?.result;
    assert.ok(run, `no run_end with a run object: ${client.stdout.slice(-300)}`);
    // Where the change fell on the intervals' own clock: the third interval's end, plus the time from hearing of
    // it to the change. The event reaches us a moment after that end, so the change really fell a moment later.
    // One second either side keeps the queue's drain out.
    const change_s = third.end_s + (changedAt - third.heardAt) / 1000;
    const rateOf = (figures: Figures): number => (figures as StreamFigures).throughput_mbps;
    const series = `rate changed at ~${change_s.toFixed(2)} s; ${run.intervals.map((i) => `${i.start_s}-${i.end_s} s: ${mbps(rateOf(i.figures))}`).join('; ')}`;
    const early = run.intervals.filter((i) => i.end_s <= change_s - 1).map((i) => rateOf(i.figures));
    const late = run.intervals.filter((i) => i.start_s >= change_s + 1).map((i) => rateOf(i.figures));
    t.diagnostic(series);
    assert.ok(early.length >= 1 && late.length >= 1, `too few intervals either side of the change: ${series}`);
    assert.ok(
      Math.min(...early) > 2 * Math.max(...late),
      `early intervals should carry more than twice the late ones after 1gbit -> 100mbit: ${series}`,
    );
  });
});

test('TCP_RR on a shaped link gives the same order of transactions per second as sockperf', {
  skip: skip ?? missingTools(['sockperf']),
}, async (t) => {
  await Testbed.use({}, async (tb) => {
    await tb.shape('1gbit');
    await startSockperfServer(tb, tb.b, 'tcp', SOCKPERF_PORT);
    await startBenchServer(tb, tb.b, BENCH_PORT);
    const reference = await runSockperf(tb, tb.a, {
      protocol: 'tcp',
      server: tb.b.address,
      port: SOCKPERF_PORT,
      duration_s: 3,
      message_bytes: SOCKPERF_MIN_MESSAGE,
    });
    const run = await runBenchTest(tb, tb.a, {
      test: 'TCP_RR',
      peer: hostPort(tb.b.address, BENCH_PORT),
      duration_s: 3,
      request_size_bytes: SOCKPERF_MIN_MESSAGE,
      response_size_bytes: SOCKPERF_MIN_MESSAGE,
    });
    const ours = rr(run.summary, 'TCP_RR summary').transactions_per_sec;
    const ratio = ours / reference.round_trips_per_sec;
    t.diagnostic(
      `ours ${ours.toFixed(0)} transactions/s, sockperf ${reference.round_trips_per_sec.toFixed(0)} round trips/s, ratio ${ratio.toFixed(2)}`,
    );
    assert.ok(
      ratio >= 0.3 && ratio <= 3,
      `TCP_RR: ours ${ours.toFixed(0)} transactions/s, sockperf ${reference.round_trips_per_sec.toFixed(0)} round trips/s; ratio ${ratio.toFixed(2)}, expected 0.3-3`,
    );
  });
});

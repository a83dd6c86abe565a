import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCommand } from '../netns/processes.js';
import { runIperf3, startIperf3Server } from '../netns/iperf3.js';
import { Testbed } from '../netns/testbed.js';
import { testbedAvailable } from '../netns/testbed-available.js';

/**
 * The testbed itself, checked with iperf3 alone: if shaping, drops or
 * teardown were wrong, the accuracy tests would compare us against a broken
 * link. Needs root; skipped with the reason otherwise.
 */

const skip = testbedAvailable();
const IPERF_PORT = 5201;

test('testbed shapes its link: iperf3 over a 100mbit tbf link gets 85-100 Mbit/s', { skip }, async () => {
  await Testbed.use({}, async (tb) => {
    await tb.shape('100mbit');
    await startIperf3Server(tb, tb.b, IPERF_PORT);
    const r = await runIperf3(tb, tb.a, { server: tb.b.address, port: IPERF_PORT, duration_s: 2, omit_s: 1 });
    assert.ok(
      r.receiver_mbps > 85 && r.receiver_mbps <= 100,
      `iperf3 receiver ${r.receiver_mbps.toFixed(1)} Mbit/s over a 100mbit link, expected 85-100`,
    );
  });
});

test('testbed drops 1% of UDP: its counters show 0.6-1.4% dropped, and iperf3 sees at least that loss', { skip }, async () => {
  await Testbed.use({}, async (tb) => {
    await tb.shape('1gbit');
    await startIperf3Server(tb, tb.b, IPERF_PORT);
    // iperf3 3.12 does not resend its one UDP hello, so a dropped hello would hang it: drop only once it flows.
    const running = runIperf3(tb, tb.a, {
      server: tb.b.address,
      port: IPERF_PORT,
      duration_s: 3,
      udp: true,
      bitrate: '50M',
      length_bytes: 1472,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await tb.addUdpDrop(tb.b, 10);
    const r = await running;
    const { arrived, dropped } = await tb.udpDropCounts(tb.b);
    // ~10,000 datagrams pass the rule: 1% +- 0.1% (one standard deviation).
    const share = (100 * dropped) / arrived;
    assert.ok(
      share >= 0.6 && share <= 1.4,
      `the drop rule dropped ${dropped} of ${arrived} UDP datagrams (${share.toFixed(3)}%), expected 0.6-1.4%`,
    );
    assert.ok(
      (r.lost_packets ?? -1) >= dropped,
      `iperf3 counted ${r.lost_packets} lost of ${r.packets}, fewer than the ${dropped} the rule dropped`,
    );

    await tb.removeUdpDrop(tb.b);
    await assert.rejects(
      tb.udpDropCounts(tb.b),
      /No such file or directory|does not exist/,
      'the drop table is still there after removeUdpDrop',
    );
  });
});

test('testbed changes its rate mid-run: iperf3 intervals fall from ~1G to ~100M', { skip }, async () => {
  await Testbed.use({}, async (tb) => {
    await tb.shape('1gbit');
    await startIperf3Server(tb, tb.b, IPERF_PORT);
    const run = runIperf3(tb, tb.a, { server: tb.b.address, port: IPERF_PORT, duration_s: 4 });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await tb.changeRate('100mbit');
    const r = await run;
    const [first, , , last] = r.interval_mbps;
    assert.ok(
      first > 500 && last < 110,
      `iperf3 intervals ${r.interval_mbps.map((v) => v.toFixed(0)).join(', ')} Mbit/s; expected the first > 500 and the last < 110`,
    );
  });
});

test('testbed teardown removes both namespaces and kills their processes even when the work throws', { skip }, async () => {
  let names: readonly string[] = [];
  let serverPid = 0;
  await assert.rejects(
    Testbed.use({}, async (tb) => {
      names = tb.names;
      serverPid = (await startIperf3Server(tb, tb.b, IPERF_PORT)).pid;
      throw new Error('work failed on purpose');
    }),
    /work failed on purpose/,
  );
  const list = await runCommand(['ip', 'netns', 'list'], { timeoutMs: 5000 });
  for (const ns of names) assert.ok(!list.stdout.includes(ns), `namespace ${ns} still listed after teardown:\n${list.stdout}`);
  assert.throws(() => process.kill(serverPid, 0), { code: 'ESRCH' }, `iperf3 server pid ${serverPid} still alive after teardown`);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRrFigures, isRrulFigures } from '../../runner/core/run-object.js';
import { benchCliMissing, benchTestArgv, parseRunObject, startBenchServer } from '../netns/bench-cli.js';
import { hostPort } from '../netns/host.js';
import { showArgv } from '../netns/processes.js';
import { Testbed } from '../netns/testbed.js';
import { testbedAvailable } from '../netns/testbed-available.js';

/**
 * bidir on a real link: a 100 Mbit/s tbf on both ends of the veth pair, so
 * each direction has its own 100 Mbit/s. Both directions must fill their own,
 * each counted by its own receiver: 90-100 Mbit/s each, whatever the other
 * direction's ACKs take from it. Needs root, iproute2 and nftables; about 10 s.
 */

const skip = testbedAvailable() ?? benchCliMissing();
const BENCH_PORT = 7575;
// 10.93.x: the subnet of this suite, apart from the other serial suites' testbeds.
const SUBNET = '10.93.1';

test('bidir TCP_STREAM over a 100 Mbit/s link shaped both ways reads 90-100 Mbit/s in each direction', { skip }, async (t) => {
  await Testbed.use({ subnet: SUBNET }, async (tb) => {
    await tb.shape('100mbit');
    await startBenchServer(tb, tb.b, BENCH_PORT);
    const argv = [...benchTestArgv({ test: 'TCP_STREAM', peer: hostPort(tb.b.address, BENCH_PORT), duration_s: 5, omit_s: 1 }), '--bidir'];
    const r = await tb.run(tb.a, argv, { timeoutMs: 40_000, check: false });
    const run = parseRunObject(r.stdout, r.stderr, `'${showArgv(argv)}' on ${tb.a.name} (exit ${r.code})`);
    assert.ok(run.summary && !isRrFigures(run.summary) && !isRrulFigures(run.summary));
    const { upload_mbps, download_mbps, throughput_mbps } = run.summary;
    t.diagnostic(`upload ${upload_mbps} Mbit/s, download ${download_mbps} Mbit/s, together ${throughput_mbps} Mbit/s`);
    assert.equal(run.params.bidir, true);
    for (const [direction, mbps] of [
      ['upload', upload_mbps],
      ['download', download_mbps],
    ] as const) {
      assert.ok(mbps !== undefined && mbps >= 90 && mbps <= 100, `${direction} read ${mbps} Mbit/s, not 90-100`);
    }
    // Each interval carries both directions, as the summary does: together they are its throughput.
    assert.equal(run.intervals.length, 5);
    for (const i of run.intervals) {
      assert.ok(
        !isRrFigures(i.figures) &&
          !isRrulFigures(i.figures) &&
          i.figures.upload_mbps !== undefined &&
          i.figures.download_mbps !== undefined,
      );
      assert.ok(Math.abs(i.figures.upload_mbps + i.figures.download_mbps - i.figures.throughput_mbps) <= 0.002, JSON.stringify(i.figures));
    }
  });
});

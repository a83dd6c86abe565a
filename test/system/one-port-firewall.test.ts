import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { RunObject } from '../../runner/core/run-object.js';
import { benchCliMissing, benchServeArgv, benchTestArgv, type BenchTestOptions } from '../netns/bench-cli.js';
import { hostPort, waitForListening, type Host } from '../netns/host.js';
import { Testbed } from '../netns/testbed.js';
import { testbedAvailable } from '../netns/testbed-available.js';

/**
 * Two hosts with a firewall between them, as in a lab: the server's
 * namespace drops all input but loopback, established and related traffic,
 * and TCP and UDP to port 7575, which is what the README says a firewall
 * must let through. Every test type runs through it; with a port per stream
 * (bench serve --ephemeral-data-ports) the firewall drops the data, and the
 * client says so. Needs root; skipped with the reason otherwise.
 */

const skip = testbedAvailable() ?? benchCliMissing();
const PORT = 7575;
const SUBNET = '10.94.0';

/** The firewall on `host`, loaded from a ruleset file (nft -f) so it is applied at once, whole. */
async function addFirewall(tb: Testbed, host: Host): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-fw-'));
  const file = path.join(dir, 'firewall.nft');
  writeFileSync(
    file,
    `table inet benchfw {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    tcp dport ${PORT} accept
    udp dport ${PORT} accept
    counter comment "dropped"
  }
}
`,
  );
  try {
    await tb.run(host, ['nft', '-f', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Packets the firewall on `host` dropped so far (its last rule counts them before the policy drops them). */
async function droppedPackets(tb: Testbed, host: Host): Promise<number> {
  const r = await tb.run(host, ['nft', '-j', 'list', 'chain', 'inet', 'benchfw', 'input']);
  const rules = (JSON.parse(r.stdout) as { nftables: { rule?: { comment?: string; expr: Record<string, unknown>[] } }[] }).nftables;
  const counter = rules.find((o) => o.rule?.comment === 'dropped')?.rule?.expr.find((e) => 'counter' in e)?.counter as
    | { packets: number }
    | undefined;
  if (!counter) throw new Error(`no 'dropped' counter in the firewall on ${host.name}: ${r.stdout.slice(0, 300)}`);
  return counter.packets;
}

async function benchTest(tb: Testbed, options: BenchTestOptions, extra: string[] = []): Promise<RunObject> {
  const argv = [...benchTestArgv(options), ...extra];
  const r = await tb.run(tb.a, argv, { timeoutMs: (options.duration_s + 30) * 1000, check: false });
  try {
    return JSON.parse(r.stdout) as RunObject;
  } catch {
    throw new Error(`bench test ${options.test} printed no run object (exit ${r.code}); stderr:\n${r.stderr.slice(-600)}`);
  }
}

// Two intervals each: data crossed the firewall through a whole run, past its first interval.
const TESTS: Omit<BenchTestOptions, 'peer'>[] = [
  { test: 'TCP_STREAM', duration_s: 1, interval_s: 0.5, streams: 2 },
  { test: 'UDP_STREAM', duration_s: 1, interval_s: 0.5, streams: 2, rate: '20M' },
  { test: 'TCP_RR', duration_s: 1, interval_s: 0.5 },
  { test: 'UDP_RR', duration_s: 1, interval_s: 0.5 },
];

for (const dataPath of ['native', 'js'] as const) {
  test(`${dataPath} data path: behind a firewall that lets through only TCP and UDP ${PORT}, all four tests pass`, { skip }, async () => {
    await Testbed.use({ subnet: SUBNET }, async (tb) => {
      await addFirewall(tb, tb.b);
      const env = { ...process.env, BENCH_DATA_PATH: dataPath === 'js' ? 'js' : '' };
      const server = tb.start(tb.b, benchServeArgv(tb.b.address, PORT), env);
      await waitForListening(tb.b, 'tcp', PORT, server);
      for (const options of TESTS) {
        const run = await benchTest(tb, { ...options, peer: hostPort(tb.b.address, PORT) });
        assert.equal(run.status, 'ok', `${options.test}: ${JSON.stringify(run.error)}`);
        assert.equal(run.server.data_path, dataPath, `${options.test}: server data path`);
        assert.equal(run.intervals.length, 2, `${options.test}: intervals`);
      }
      assert.equal(server.running, true, 'the server is still running');
    });
  });
}

test(`with --ephemeral-data-ports the same firewall drops the data, and the client says what to check`, { skip }, async () => {
  await Testbed.use({ subnet: SUBNET }, async (tb) => {
    await addFirewall(tb, tb.b);
    const server = tb.start(tb.b, [...benchServeArgv(tb.b.address, PORT), '--ephemeral-data-ports']);
    await waitForListening(tb.b, 'tcp', PORT, server);
    const before = await droppedPackets(tb, tb.b);
    // 4s: long enough for the server to start its data workers and answer READY while another suite shares the CPUs.
    const run = await benchTest(tb, { test: 'TCP_STREAM', duration_s: 1, peer: hostPort(tb.b.address, PORT) }, ['--timeout', '4s']);
    assert.equal(run.status, 'failed');
    // The server's deadline began before READY, the client's after it: the server gives up first, and knows its port was a fresh one.
    assert.match(
      run.error?.message ?? '',
      new RegExp(
        `^peer ${SUBNET.replaceAll('.', '\\.')}\\.2:${PORT}: no data connection with this test's cookie arrived on data port \\d+ within 4s - is a firewall dropping it\\? \\(this server opens a fresh port per stream: bench serve --ephemeral-data-ports\\)$`,
      ),
    );
    assert.ok((await droppedPackets(tb, tb.b)) > before, 'the firewall dropped the data connection');
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunObject } from '../../runner/core/run-object.js';
import { runCli } from '../helpers/cli.js';
import { BENCH_CLI, benchCliMissing } from '../netns/bench-cli.js';
import { BridgeTestbed } from '../netns/bridge-testbed.js';
import { waitForListening, type Host } from '../netns/host.js';
import { testbedAvailable } from '../netns/testbed-available.js';

/**
 * A rack of four hosts (network namespaces on a Linux bridge), each running
 * `bench serve --allow-remote` with a token; host 3's link is limited to
 * 100 Mbit/s with tbf. The orchestrator runs in the root namespace and asks
 * one host to test another.
 */
const skip = testbedAvailable() ?? benchCliMissing();
const PORT = 7575;
const dir = mkdtempSync(join(tmpdir(), 'bench-fleet-rack-'));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
const wrongTokenFile = join(dir, 'wrong');
writeFileSync(wrongTokenFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });

describe('fleet on a rack of four namespaces', { skip }, () => {
  let rack: BridgeTestbed;
  let slow: Host;

  before(async () => {
    rack = await BridgeTestbed.create({ hosts: 4 });
    slow = rack.hosts[3];
    await rack.shape(slow, '100mbit');
    await Promise.all(
      rack.hosts.map((host, i) => {
        const server = rack.start(host, [process.execPath, BENCH_CLI, 'serve', '--host', '0.0.0.0', '--port', String(PORT), '--token-file', tokenFile, '--allow-remote', '--name', `h${i}`]);
        return waitForListening(host, 'tcp', PORT, server);
      }),
    );
  });
  after(async () => {
    await rack?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function remote(from: Host, to: Host, extra: string[] = [], token = tokenFile): Promise<{ code: number | null; run: RunObject; stderr: string }> {
    const r = await runCli(['test', 'TCP_STREAM', '--from', `${from.address}:${PORT}`, '--peer', `${to.address}:${PORT}`, '--token-file', token, '--duration', '2s', '--omit', '500ms', '--json', ...extra], {
      timeoutMs: 60_000,
    });
    return { code: r.code, run: JSON.parse(r.stdout) as RunObject, stderr: r.stderr };
  }

  test('host to host: pairs with the slow host read its 100 Mbit/s, the others far more', async () => {
    const [h0, h1] = rack.hosts;
    for (const [from, to, fast] of [[h0, h1, true], [h0, slow, false], [slow, h1, false]] as const) {
      const { code, run, stderr } = await remote(from, to);
      assert.equal(code, 0, stderr);
      assert.equal(run.from?.name, `h${rack.hosts.indexOf(from)}`);
      assert.equal(run.to?.name, `h${rack.hosts.indexOf(to)}`);
      const mbps = (run.summary as { throughput_mbps: number }).throughput_mbps;
      if (fast) assert.ok(mbps > 300, `${run.from?.name} -> ${run.to?.name}: ${mbps} Mbit/s, well above the slow link`);
      else assert.ok(mbps >= 90 && mbps <= 100, `${run.from?.name} -> ${run.to?.name}: ${mbps} Mbit/s through a 100 Mbit/s link`);
    }
  });

  test('an orchestrator without the right token is refused, and the from host sends nothing to anyone', async () => {
    const [h0, h1] = rack.hosts;
    await rack.countOutgoing(h0);
    const { code, run } = await remote(h0, h1, [], wrongTokenFile);
    assert.equal(code, 1);
    assert.match(run.error?.message ?? '', /authentication failed/);
    assert.deepEqual(await rack.outgoing(h0), { packets: 0, bytes: 0 });
  });

  test('a target with no bench server gets one refused connection attempt, no data', async () => {
    const [h0, h1] = rack.hosts;
    const before = await rack.outgoing(h0);
    const r = await runCli(['test', 'UDP_STREAM', '--from', `${h0.address}:${PORT}`, '--peer', `${h1.address}:${PORT + 1}`, '--token-file', tokenFile, '--duration', '2s', '--json'], { timeoutMs: 60_000 });
    assert.equal(r.code, 1);
    const run = JSON.parse(r.stdout) as RunObject;
    assert.match(run.error?.message ?? '', /connection refused - is 'bench serve' running there\?/);
    const sent = await rack.outgoing(h0);
    assert.equal(sent.packets - before.packets, 1, 'one SYN, answered by a reset');
    assert.ok(sent.bytes - before.bytes <= 80);
  });
});

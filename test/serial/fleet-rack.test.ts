import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunObject } from '../../runner/core/run-object.js';
import { runCli } from '../helpers/cli.js';
import { BENCH_CLI, benchCliMissing } from '../netns/bench-cli.js';
import { BridgeTestbed } from '../netns/bridge-testbed.js';
import { waitForListening, type Host } from '../netns/host.js';
import { missingTools, testbedAvailable } from '../netns/testbed-available.js';
import { fileURLToPath } from 'node:url';

const DNS_GROUP = fileURLToPath(new URL('../../runner/scenario/dns-group.js', import.meta.url));

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
        const server = rack.start(host, [
          process.execPath,
          BENCH_CLI,
          'serve',
          '--host',
          '0.0.0.0',
          '--port',
          String(PORT),
          '--token-file',
          tokenFile,
          '--allow-remote',
          '--name',
          `h${i}`,
        ]);
        return waitForListening(host, 'tcp', PORT, server);
      }),
    );
  });
  after(async () => {
    await rack?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function remote(
    from: Host,
    to: Host,
    extra: string[] = [],
    token = tokenFile,
  ): Promise<{ code: number | null; run: RunObject; stderr: string }> {
    const r = await runCli(
      [
        'test',
        'TCP_STREAM',
        '--from',
        `${from.address}:${PORT}`,
        '--peer',
        `${to.address}:${PORT}`,
        '--token-file',
        token,
        '--duration',
        '2s',
        '--omit',
        '500ms',
        '--json',
        ...extra,
      ],
      {
        timeoutMs: 60_000,
      },
    );
    return { code: r.code, run: JSON.parse(r.stdout) as RunObject, stderr: r.stderr };
  }

  test('host to host: pairs with the slow host read its 100 Mbit/s, the others far more', async () => {
    const [h0, h1] = rack.hosts;
    for (const [from, to, fast] of [
      [h0, h1, true],
      [h0, slow, false],
      [slow, h1, false],
    ] as const) {
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

  test('a DNS group served by dnsmasq in the rack resolves to the four servers', { skip: missingTools(['dnsmasq']) }, async () => {
    const [h0, h1] = rack.hosts;
    const records = rack.hosts.flatMap((h) => ['--host-record', `bench-peers.rack.test,${h.address}`]);
    const dns = rack.start(h0, [
      'dnsmasq',
      '--no-daemon',
      '--no-resolv',
      '--no-hosts',
      '--bind-interfaces',
      `--listen-address=${h0.address}`,
      '--port=53',
      '--local=/rack.test/',
      ...records,
    ]);
    await waitForListening(h0, 'udp', 53, dns);
    rack.resolvConf(h1, h0.address);
    const script = `import(${JSON.stringify(DNS_GROUP)}).then(async (m) => console.log(JSON.stringify(await m.resolveDnsGroup('rack', 'bench-peers.rack.test', ${PORT}))))`;
    const r = await rack.run(h1, [process.execPath, '--input-type=module', '-e', script], { timeoutMs: 20_000 });
    const members = (JSON.parse(r.stdout) as Array<{ host: string; port: number }>).map((m) => `${m.host}:${m.port}`).sort();
    assert.deepEqual(members, rack.hosts.map((h) => `${h.address}:${PORT}`).sort());
    const missing = await rack.run(
      h1,
      [process.execPath, '--input-type=module', '-e', script.replace('bench-peers.rack.test', 'nobody.rack.test')],
      { timeoutMs: 20_000, check: false },
    );
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /peer group 'rack': cannot resolve nobody\.rack\.test: the name is not known to DNS/);
  });

  test('a target with no bench server gets one refused connection attempt, no data', async () => {
    const [h0, h1] = rack.hosts;
    const before = await rack.outgoing(h0);
    const r = await runCli(
      [
        'test',
        'UDP_STREAM',
        '--from',
        `${h0.address}:${PORT}`,
        '--peer',
        `${h1.address}:${PORT + 1}`,
        '--token-file',
        tokenFile,
        '--duration',
        '2s',
        '--json',
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 1);
    const run = JSON.parse(r.stdout) as RunObject;
    assert.match(run.error?.message ?? '', /connection refused - is 'bench serve' running there\?/);
    const sent = await rack.outgoing(h0);
    assert.equal(sent.packets - before.packets, 1, 'one SYN, answered by a reset');
    assert.ok(sent.bytes - before.bytes <= 80);
  });

  /** A TCP_STREAM mesh over the four hosts, run by bench run from the root namespace; its results and report. */
  async function mesh(name: string, parallel: boolean): Promise<{ code: number | null; runs: RunObject[]; html: string; stderr: string }> {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      [
        `name: ${name}`,
        'peers:',
        ...rack.hosts.map((host, i) => `  h${i}: { host: ${host.address}, port: ${PORT}, token_file: token }`),
        '  rack: [h0, h1, h2, h3]',
        'runs:',
        // The length that host to host above reads the slow link with: 1.5 s measured after 0.5 s of start-up.
        `  - { test: TCP_STREAM, mesh: rack, duration: 2s, omit: 500ms${parallel ? ', parallel: disjoint' : ''} }`,
        'report: { formats: [html] }',
      ].join('\n'),
    );
    const out = join(dir, `out-${name}`);
    const r = await runCli(['run', file, '--out', out, '--quiet'], { timeoutMs: 300_000 });
    const runs = readFileSync(join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RunObject);
    return { code: r.code, runs, html: readFileSync(join(out, 'report.html'), 'utf8'), stderr: r.stderr };
  }

  /** Every pair ok; with the slow host 90-100 Mbit/s, without it well above; the matrix cells hold the same figures. */
  function assertMesh(runs: RunObject[], html: string): void {
    assert.equal(runs.length, 12);
    const figures = new Map<string, number>();
    for (const run of runs) {
      assert.equal(run.status, 'ok', `${run.label}: ${run.error?.message}`);
      const mbps = (run.summary as { throughput_mbps: number }).throughput_mbps;
      const pair = `${run.from?.name}->${run.to?.name}`;
      assert.equal(run.label, `TCP_STREAM ${pair}`);
      figures.set(pair, mbps);
      if (pair.includes('h3')) assert.ok(mbps >= 90 && mbps <= 100, `${pair}: ${mbps} Mbit/s through a 100 Mbit/s link`);
      else assert.ok(mbps > 300, `${pair}: ${mbps} Mbit/s, well above the slow link`);
    }
    assert.equal(figures.size, 12);
    const cells = [...html.matchAll(/<g class="cell" data-from="([^"]*)" data-to="([^"]*)" data-value="([^"]*)">/g)];
    assert.deepEqual(new Map(cells.map((m) => [`${m[1]}->${m[2]}`, Number(m[3])])), figures);
  }

  test("a TCP_STREAM mesh scenario from the root namespace: 12 runs ok, the slow host's pairs at its 100 Mbit/s, the report's matrix the same", {
    timeout: 300_000,
  }, async () => {
    const { code, runs, html, stderr } = await mesh('rack-mesh', false);
    assert.equal(code, 0, stderr);
    assertMesh(runs, html);
    // One at a time: no two runs overlap.
    const spans = runs
      .map((run) => [Date.parse(run.started_at), Date.parse(run.started_at) + run.duration_s * 1000])
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1]);
  });

  test('the same mesh with parallel: disjoint: no host in two runs at once, in fewer rounds than runs', { timeout: 300_000 }, async () => {
    const { code, runs, html, stderr } = await mesh('rack-disjoint', true);
    assert.equal(code, 0, stderr);
    assertMesh(runs, html);
    const spans = runs.map((run) => ({
      hosts: [run.from?.name, run.to?.name],
      start: Date.parse(run.started_at),
      end: Date.parse(run.started_at) + run.duration_s * 1000,
    }));
    for (const a of spans) {
      for (const b of spans) {
        if (a !== b && a.hosts.some((h) => b.hosts.includes(h)))
          assert.ok(a.end <= b.start || b.end <= a.start, `${a.hosts.join('->')} and ${b.hosts.join('->')} overlap`);
      }
    }
    spans.sort((a, b) => a.start - b.start);
    let rounds = 0;
    let roundEnd = -Infinity;
    for (const span of spans) {
      if (span.start >= roundEnd) rounds++;
      roundEnd = Math.max(roundEnd, span.end);
    }
    assert.equal(rounds, 6, 'a 4-host mesh in 2(N-1) rounds');
  });
});

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BENCH_CLI, benchCliMissing, startBenchServer } from '../netns/bench-cli.js';
import { Testbed } from '../netns/testbed.js';
import { testbedAvailable } from '../netns/testbed-available.js';

/**
 * Issue 16, two hosts: a scenario that names a dead peer stops before
 * measuring, naming it. Host a runs the scenario; host b serves on 7575,
 * has nothing on 7576 (refused at once), and drops every packet to 7577
 * with nftables (a host behind a firewall that says nothing: only the
 * check's time limit ends it).
 */
const skip = testbedAvailable() ?? benchCliMissing();
const dir = mkdtempSync(join(tmpdir(), 'bench-peer-check-netns-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PORT = 7575;
const TABLE = 'benchpeercheck';

test('a scenario with a refused and a blackholed peer stops before measuring, naming each with its error', { skip }, async () => {
  await Testbed.use({ subnet: '10.95.0' }, async (tb) => {
    const server = await startBenchServer(tb, tb.b, PORT);
    await tb.run(tb.b, ['nft', 'add', 'table', 'inet', TABLE]);
    await tb.run(tb.b, ['nft', 'add', 'chain', 'inet', TABLE, 'input', '{ type filter hook input priority 0; }']);
    await tb.run(tb.b, ['nft', 'add', 'rule', 'inet', TABLE, 'input', 'tcp', 'dport', String(PORT + 2), 'counter', 'drop']);
    const b = tb.b.address;
    const file = join(dir, 'two-hosts.yaml');
    writeFileSync(
      file,
      [
        'name: two-hosts',
        'peers:',
        `  live: { host: ${b}, port: ${PORT} }`,
        `  refused: { host: ${b}, port: ${PORT + 1} }`,
        `  dropped: { host: ${b}, port: ${PORT + 2} }`,
        // 3s: the check waits as long as its runs would (up to 5s); past 2s it says what it waits for.
        'defaults: { duration: 1s, timeout: 3s }',
        'runs:',
        '  - { test: TCP_STREAM, to: live }',
        '  - { test: TCP_RR, to: refused }',
        '  - { test: UDP_STREAM, to: dropped }',
        '  - { test: UDP_RR, to: live }',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const r = await tb.run(tb.a, [process.execPath, BENCH_CLI, 'run', file, '-o', out], { check: false, timeoutMs: 30_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      [
        'two-hosts: 4 runs, about 4s of measuring',
        'checking 3 peers: live, refused, dropped...',
        `  waiting for ${b}:${PORT + 2} to accept the connection (giving up after 3s)...`,
        'bench: 2 of 3 peers failed the check, so nothing was measured:',
        `  ✗ cannot reach peer refused (${b}:${PORT + 1}): connection refused - is 'bench serve' running there?`,
        `  ✗ cannot reach peer dropped (${b}:${PORT + 2}): no answer within 3s - is the host up and the port open?`,
        'Fix what each line says, or pass --keep-going to run anyway (the runs that need a failed peer are recorded as failed)',
        '',
      ].join('\n'),
    );
    assert.equal(existsSync(out), false, 'no results folder');
    // The firewall did drop the check's SYNs (the first and its retransmissions), and b served no test.
    const counters = await tb.run(tb.b, ['nft', '-j', 'list', 'table', 'inet', TABLE]);
    const dropped = (
      JSON.parse(counters.stdout) as { nftables: Array<{ rule?: { expr: Array<{ counter?: { packets: number } }> } }> }
    ).nftables
      .flatMap((o) => o.rule?.expr ?? [])
      .find((e) => e.counter)?.counter?.packets;
    assert.ok(dropped !== undefined && dropped >= 1, `the drop rule counted ${dropped} packets`);
    assert.doesNotMatch(server.stderr, / start /, server.stderr);
  });
});

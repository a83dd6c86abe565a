import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import type { RunObject } from '../../runner/core/run-object.js';
import { BENCH_CLI, benchCliMissing } from '../netns/bench-cli.js';
import { BridgeTestbed } from '../netns/bridge-testbed.js';
import { waitForListening } from '../netns/host.js';
import type { RunningProcess } from '../netns/processes.js';
import { missingTools, testbedAvailable } from '../netns/testbed-available.js';

/**
 * A mesh of four hosts (namespaces on a bridge, each running `bench serve
 * --allow-remote` with a token) with parallel: disjoint, one of whose
 * servers is killed while the mesh runs: the moment the orchestrator streams
 * the first interval of a run involving it. The mesh goes on: every run with
 * the dead host fails naming it, every other pair is measured, the results
 * hold every ordered pair once, the report renders, and bench exits 1.
 * And a DNS group one of whose records points at an address where no server
 * listens: the mesh goes on, that address's runs fail naming it.
 */
const skip = testbedAvailable() ?? benchCliMissing();
const PORT = 7575;
/** Its own /24, apart from the other rack tests' 10.78.x. */
const SUBNET = '10.96.7';
const VICTIM = 'h2';
/** A DNS name for the group, answered by dnsmasq inside the rack. */
const GROUP_NAME = 'bench-peers.killed.test';
const dir = mkdtempSync(join(tmpdir(), 'bench-fleet-killed-'));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });

interface StreamLine {
  event: string;
  run?: { label: string };
  result?: RunObject;
}

describe('a mesh member killed mid-mesh', { skip }, () => {
  let rack: BridgeTestbed;
  const servers: RunningProcess[] = [];

  before(async () => {
    // Host 4 runs no server: an address in the rack where nothing listens.
    rack = await BridgeTestbed.create({ hosts: 5, subnet: SUBNET });
    for (const [i, host] of rack.hosts.slice(0, 4).entries()) {
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
      servers.push(server);
      await waitForListening(host, 'tcp', PORT, server);
    }
  });
  after(async () => {
    await rack?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the dead host's runs fail naming it, the other pairs are measured, 12 runs recorded, the report renders, exit 1", {
    timeout: 300_000,
  }, async (t) => {
    const victimIndex = Number(VICTIM.slice(1));
    const victim = servers[victimIndex];
    const victimAddress = `${rack.hosts[victimIndex].address}:${PORT}`;
    const file = join(dir, 'mesh.yaml');
    writeFileSync(
      file,
      [
        'name: killed-mid-mesh',
        'peers:',
        ...rack.hosts.map((host, i) => `  h${i}: { host: ${host.address}, port: ${PORT}, token_file: token }`),
        '  rack: [h0, h1, h2, h3]',
        'runs:',
        '  - { test: TCP_STREAM, mesh: rack, duration: 2s, omit: 500ms, parallel: disjoint }',
        'report: { formats: [html, md] }',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    // Killed once its own log says a test started: past the handshake and the queue, in the middle of a
    // run of the mesh (the orchestrator's interval events can trail the data when the CPUs are busy).
    let killedAt: string | null = null;
    let victimLog = '';
    victim.child.stderr?.on('data', (d: Buffer | string) => {
      victimLog += d.toString();
      const started = / start client=\S+ test=TCP_STREAM.*/.exec(victimLog);
      if (killedAt === null && started) {
        killedAt = started[0];
        victim.child.kill('SIGKILL');
      }
    });
    const child = spawn(process.execPath, [BENCH_CLI, 'run', file, '--out', out, '--json-stream'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const lines: StreamLine[] = [];
    for await (const line of createInterface({ input: child.stdout })) lines.push(JSON.parse(line) as StreamLine);
    const code = await exited;
    assert.ok(killedAt, `${VICTIM} never started a test; its log: ${victimLog}`);
    assert.equal(code, 1, stderr);

    const runs = readFileSync(join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RunObject);
    // Every ordered pair once: none lost, none counted twice.
    const labels = runs.map((r) => r.label).sort();
    const expected = ['h0', 'h1', 'h2', 'h3'].flatMap((a) =>
      ['h0', 'h1', 'h2', 'h3'].filter((b) => b !== a).map((b) => `TCP_STREAM ${a}->${b}`),
    );
    assert.deepEqual(labels, expected.sort());
    // run_end in the stream agrees with the file.
    assert.deepEqual(
      lines
        .filter((l) => l.event === 'run_end')
        .map((l) => l.run?.label)
        .sort(),
      expected,
    );

    for (const run of runs)
      t.diagnostic(
        `${run.label} ${run.started_at} ${run.status} ${run.error ? `${run.error.code} ${run.error.message}` : (run.summary as { throughput_mbps: number }).throughput_mbps}`,
      );
    t.diagnostic(`killed at: ${killedAt}`);
    // The run it died in fails as the data or the control connection went first; the later ones are refused.
    const killedIn = runs.find(
      (r) =>
        r.label?.includes(VICTIM) &&
        Date.parse(r.started_at) === Math.min(...runs.filter((v) => v.label?.includes(VICTIM)).map((v) => Date.parse(v.started_at))),
    );
    const named = `peer ${VICTIM} (${victimAddress})`;
    const refused = `cannot reach ${named}: connection refused - is 'bench serve' running there?`;
    for (const run of runs) {
      if (run.label?.includes(VICTIM)) {
        assert.equal(run.status, 'failed', `${run.label} with the dead host`);
        const [from] = run.label.replace('TCP_STREAM ', '').split('->');
        // Towards the dead host, its from server saw the failure and says so; from it, the orchestrator did.
        const seenBy = from === VICTIM ? '' : `peer ${from} (${rack.hosts[Number(from.slice(1))].address}:${PORT}) reports: `;
        if (run === killedIn) assert.ok(run.error?.message.startsWith(`${seenBy}${named}`), `${run.label}: ${run.error?.message}`);
        else assert.equal(run.error?.message, `${seenBy}${refused}`, run.label);
      } else {
        assert.equal(run.status, 'ok', `${run.label}: ${run.error?.message}`);
        const mbps = (run.summary as { throughput_mbps: number }).throughput_mbps;
        assert.ok(mbps > 0, `${run.label}: measured, ${mbps} Mbit/s`);
      }
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const failedCells = [...html.matchAll(/<g class="cell" data-from="([^"]*)" data-to="([^"]*)" data-failed="true">/g)].map(
      (m) => `${m[1]}->${m[2]}`,
    );
    // Named as it told the run it died in, though it never finished one.
    assert.deepEqual(
      failedCells.sort(),
      expected
        .filter((l) => l.includes(VICTIM))
        .map((l) => l.replace('TCP_STREAM ', ''))
        .sort(),
    );
    const measuredCells = [...html.matchAll(/<g class="cell" data-from="([^"]*)" data-to="([^"]*)" data-value="([^"]*)">/g)];
    assert.deepEqual(
      new Map(measuredCells.map((m) => [`TCP_STREAM ${m[1]}->${m[2]}`, Number(m[3])])),
      new Map(runs.filter((r) => r.status === 'ok').map((r) => [r.label, (r.summary as { throughput_mbps: number }).throughput_mbps])),
    );
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /^\| h2 \| failed \| failed \| - \| failed \|$/m);
    const end = lines.at(-1) as StreamLine & { verdict?: { runs: number; ok: number; failed: number; exit_code: number } };
    assert.equal(end.event, 'scenario_end');
    assert.deepEqual(
      { runs: end.verdict?.runs, ok: end.verdict?.ok, failed: end.verdict?.failed, exit_code: end.verdict?.exit_code },
      { runs: 12, ok: 6, failed: 6, exit_code: 1 },
    );
  });

  test("a DNS group with a record where no server listens: that address's runs fail naming it, the mesh goes on, exit 1", {
    timeout: 300_000,
    skip: missingTools(['dnsmasq']),
  }, async () => {
    // h0, h1, h3 and host 4, which never ran a server (h2 is left out: the test before killed it).
    const [h0, h1, , h3, empty] = rack.hosts;
    const members = [h0, h1, h3, empty];
    const dns = rack.start(h0, [
      'dnsmasq',
      '--no-daemon',
      '--no-resolv',
      '--no-hosts',
      '--bind-interfaces',
      `--listen-address=${h0.address}`,
      '--port=53',
      '--local=/killed.test/',
      ...members.flatMap((h) => ['--host-record', `${GROUP_NAME},${h.address}`]),
    ]);
    await waitForListening(h0, 'udp', 53, dns);
    rack.resolvConf(h0, h0.address);
    const file = join(dir, 'dns-mesh.yaml');
    writeFileSync(
      file,
      [
        'name: dns-with-a-hole',
        'peers:',
        `  rack: { dns: ${GROUP_NAME}, port: ${PORT}, token_file: token }`,
        'runs:',
        '  - { test: TCP_RR, mesh: rack, duration: 1s, parallel: disjoint }',
        'report: { formats: [md] }',
      ].join('\n'),
    );
    const out = join(dir, 'out-dns');
    // The orchestrator runs in h0, whose resolver asks the dnsmasq above.
    const r = await rack.run(h0, [process.execPath, BENCH_CLI, 'run', file, '--out', out, ...(await keepGoing())], {
      timeoutMs: 240_000,
      check: false,
    });
    assert.equal(r.code, 1, r.stderr);
    const hole = `${empty.address}:${PORT}`;
    assert.match(r.stderr, new RegExp(`resolves to 4 hosts: .*\\(no answer from ${empty.address.replace(/\./g, '\\.')}\\)`));
    const runs = readFileSync(join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RunObject);
    assert.equal(runs.length, 12);
    const name = (h: (typeof members)[number]) => (h === empty ? empty.address : `h${rack.hosts.indexOf(h)}`);
    const refused = `cannot reach peer ${hole}: connection refused - is 'bench serve' running there?`;
    const expected = members.flatMap((a) =>
      members
        .filter((b) => b !== a)
        .map((b) => {
          const label = `TCP_RR ${name(a)}->${name(b)}`;
          if (a === empty) return [label, 'failed', refused];
          if (b === empty) return [label, 'failed', `peer ${name(a)} (${a.address}:${PORT}) reports: ${refused}`];
          return [label, 'ok', undefined];
        }),
    );
    assert.deepEqual(runs.map((run) => [run.label, run.status, run.error?.message]).sort(), expected.sort());
    for (const run of runs.filter((r) => r.status === 'ok'))
      assert.ok((run.summary as { transactions_per_sec: number }).transactions_per_sec > 0, `${run.label} measured`);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, new RegExp(`^\\| ${hole.replace(/\./g, '\\.')} \\| - \\| failed \\| failed \\| failed \\|$`, 'm'));
  });
});

/**
 * A pre-flight check of every peer (another branch) stops a scenario with a
 * dead member unless --keep-going: pass it where this bench has it.
 */
async function keepGoing(): Promise<string[]> {
  const { runCli } = await import('../helpers/cli.js');
  const help = await runCli(['run', '--help']);
  return /--keep-going/.test(help.stdout + help.stderr) ? ['--keep-going'] : [];
}

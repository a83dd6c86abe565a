import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunObject } from '../../runner/core/run-object.js';
import { benchCliMissing, benchTestArgv, startBenchServer } from '../netns/bench-cli.js';
import { hostPort } from '../netns/host.js';
import { type RunningProcess, tail } from '../netns/processes.js';
import { Testbed } from '../netns/testbed.js';
import { testbedAvailable } from '../netns/testbed-available.js';

/**
 * TCP_CRR out of local ports, for real: in the client's namespace the
 * ephemeral range is narrowed, once the test has started, to two ports that
 * listening sockets hold (connect() never shares a port a socket was bound
 * to). Every new connection then fails with EADDRNOTAVAIL, which must end the
 * run with words naming the cause and the fix, not count on as failures or
 * slow down unseen. Both data paths. Needs root and iproute2; about 10 s.
 */

const skip = testbedAvailable() ?? benchCliMissing();
const BENCH_PORT = 7575;
// 10.93.x: this suite's subnet, apart from the other namespace suites' testbeds.
const SUBNET = '10.93.2';
const HELD = [40000, 40001];

/** Resolves once `matches` holds for what the process has written to `stream`. */
function waitForOutput(proc: RunningProcess, stream: 'stdout' | 'stderr', matches: (text: string) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const source = proc.child[stream];
    const check = (): void => {
      if (!matches(proc[stream])) return;
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${proc.describe()} did not show ${what} within 20 s; its output:\n${tail(proc.stderr + proc.stdout)}`));
    }, 20_000);
    const cleanup = (): void => {
      clearTimeout(timer);
      source?.off('data', check);
    };
    // Added after RunningProcess's own listener, so the text is already appended when this runs.
    source?.on('data', check);
    check();
  });
}

test('TCP_CRR out of local ports ends the run saying so, with the range and the sysctls that fix it', { skip }, async () => {
  await Testbed.use({ subnet: SUBNET }, async (tb) => {
    const server = await startBenchServer(tb, tb.b, BENCH_PORT);
    const hold = tb.start(tb.a, [
      process.execPath,
      '-e',
      `const net = require('node:net'); let n = 0; for (const p of ${JSON.stringify(HELD)}) net.createServer().listen(p, '0.0.0.0', () => { if (++n === ${HELD.length}) console.log('held'); });`,
    ]);
    await waitForOutput(hold, 'stdout', (t) => t.includes('held'), 'that it holds the ports');
    const { stdout: usual } = await tb.run(tb.a, ['sysctl', '-n', 'net.ipv4.ip_local_port_range']);
    let started = 0;
    for (const path of ['native', 'js']) {
      const client = tb.start(tb.a, [
        ...benchTestArgv({ test: 'TCP_CRR', peer: hostPort(tb.b.address, BENCH_PORT), duration_s: 30 }),
        '--data-path',
        path,
      ]);
      // The control connection has its port from the usual range by the time the server logs the test's start.
      started += 1;
      await waitForOutput(server, 'stderr', (t) => (t.match(/ start client=/g) ?? []).length >= started, `test ${started} starting`);
      await tb.run(tb.a, ['sysctl', '-w', `net.ipv4.ip_local_port_range=${HELD[0]} ${HELD[1]}`]);
      const { code } = await client.exited;
      await tb.run(tb.a, ['sysctl', '-w', `net.ipv4.ip_local_port_range=${usual.trim()}`]);
      assert.equal(code, 1, `${path}: exit code; stderr:\n${client.stderr}`);
      const run = JSON.parse(client.stdout) as RunObject;
      assert.equal(run.status, 'failed');
      assert.match(
        run.error?.message ?? '',
        new RegExp(
          `^peer ${tb.b.address.replace(/\./g, '\\.')}:${BENCH_PORT}: TCP_CRR ran out of local ports after \\d+ connections to ${tb.b.address.replace(/\./g, '\\.')}:\\d+: connect EADDRNOTAVAIL - every port of net\\.ipv4\\.ip_local_port_range \\(40000-40001, 2 ports\\) is held, most likely by connections in TIME_WAIT; widen the range \\(sysctl -w net\\.ipv4\\.ip_local_port_range="1024 65535"\\), let new connections reuse TIME_WAIT ports \\(sysctl -w net\\.ipv4\\.tcp_tw_reuse=1\\), or run fewer streams or a shorter duration$`,
        ),
        `${path}: ${run.error?.message}`,
      );
    }
  });
});

import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { TEST_NAMES } from '../runner/core/test-params.js';
import { parseRun, runCli, startServeProcess } from './helpers/cli.js';

/**
 * Addresses: --host for the server, IPv6 loopback end to end for every test,
 * and clear errors for a port in use or an address this host does not have
 * (a bind that fails locally: nothing is sent anywhere).
 */

/** Whether this machine can bind the IPv6 loopback (containers sometimes cannot). */
async function hasIpv6Loopback(): Promise<boolean> {
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(0, '::1', resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    probe.close();
  }
}

test('IPv6: bench serve --host ::1 serves every test to bench test --peer [::1]:PORT', async (t) => {
  if (!(await hasIpv6Loopback())) {
    t.skip('this machine has no IPv6 loopback (::1 cannot be bound), so IPv6 cannot be tested here');
    return;
  }
  const server = await startServeProcess([], '::1');
  try {
    assert.match(server.log(), new RegExp(`listening address=\\[::1\\]:${server.port} auth=none`));
    for (const name of TEST_NAMES) {
      const r = await runCli(['test', name, '--peer', `[::1]:${server.port}`, '--duration', '300ms', '--interval', '300ms', '--json']);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      const run = parseRun(r.stdout);
      assert.equal(run.status, 'ok', `${name}: ${JSON.stringify(run.error)}`);
      assert.deepEqual(run.peer, { host: '::1', port: server.port, embedded: false });
    }
    const served = server
      .log()
      .split('\n')
      .filter((l) => / test client=\[::1\]:\d+ test=\S+ streams=\d+ reverse=false seconds=\S+ status=ok/.test(l));
    assert.equal(served.length, TEST_NAMES.length, server.log());
  } finally {
    await server.stop();
  }
});

test('--host 127.0.0.1 listens there only: a client on the IPv6 loopback is refused, one on IPv4 is served', async (t) => {
  const server = await startServeProcess([], '127.0.0.1');
  try {
    assert.match(server.log(), new RegExp(`listening address=127\\.0\\.0\\.1:${server.port} auth=none`));
    if (await hasIpv6Loopback()) {
      const v6 = await runCli(['test', 'TCP_RR', '--peer', `[::1]:${server.port}`, '--duration', '300ms']);
      assert.equal(v6.code, 1);
      assert.equal(
        v6.stderr,
        `bench: TCP_RR failed: cannot reach peer [::1]:${server.port}: connection refused - is 'bench serve' running there?\n`,
      );
    } else {
      t.diagnostic('no IPv6 loopback: only the IPv4 half is checked');
    }
    const v4 = await runCli([
      'test',
      'TCP_RR',
      '--peer',
      `127.0.0.1:${server.port}`,
      '--duration',
      '300ms',
      '--interval',
      '300ms',
      '--json',
    ]);
    assert.equal(v4.code, 0, v4.stderr);
  } finally {
    await server.stop();
  }
});

test('a port in use: bench serve exits 1 naming the address and what to do', async () => {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as net.AddressInfo).port;
  try {
    const r = await runCli(['serve', '--host', '127.0.0.1', '--port', String(port)], { timeoutMs: 10_000 });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `bench: cannot listen on 127.0.0.1:${port}: the port is in use - stop the other server or pick another --port\n`,
    );
  } finally {
    holder.close();
  }
});

test('an address not on this host: bench serve exits 1 at the bind (EADDRNOTAVAIL), sending nothing', async () => {
  // 192.0.2.1 and 2001:db8::1 are documentation addresses (RFC 5737, RFC 3849): never assigned.
  const v4 = await runCli(['serve', '--host', '192.0.2.1', '--port', '0'], { timeoutMs: 10_000 });
  assert.equal(v4.code, 1);
  assert.equal(
    v4.stderr,
    "bench: cannot listen on 192.0.2.1:0: the address is not on this host - pick one of this host's addresses with --host\n",
  );
  const v6 = await runCli(['serve', '--host', '2001:db8::1', '--port', '7575'], { timeoutMs: 10_000 });
  assert.equal(v6.code, 1);
  assert.equal(
    v6.stderr,
    "bench: cannot listen on [2001:db8::1]:7575: the address is not on this host - pick one of this host's addresses with --host\n",
  );
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { RrFigures, RunObject } from '../runner/core/run-object.js';
import type { DataRole } from '../runner/data/data-role.js';
import { NativeTcpCrrClient } from '../runner/data/native-tcp-crr-client.js';
import { NativeTcpCrrResponder } from '../runner/data/native-tcp-crr-responder.js';
import { listenNativeTcpOnly } from '../runner/data/native-socket.js';
import { portExhaustionError } from '../runner/data/tcp-crr.js';
import { TcpCrrClient } from '../runner/data/tcp-crr-client.js';
import { listenForTcpCrr } from '../runner/data/tcp-crr-responder.js';
import { nativeIo, nativeIoUnavailable } from '../runner/native/native-io.js';
import { runCli } from './helpers/cli.js';

/**
 * TCP_CRR on loopback, on both data paths: a figure and percentiles from
 * `bench test`, TIME_WAIT left on the server's side only, connect failures
 * counted when the server goes away, and the words for running out of ports.
 */
const COOKIE = Buffer.alloc(16, 0xc5);
const nativeSkip = nativeIoUnavailable !== '' ? `native data path: ${nativeIoUnavailable}` : undefined;
const PATHS = [
  ['native', nativeSkip],
  ['js', undefined],
] as const;

async function until(check: () => boolean, withinMs: number, what: string): Promise<void> {
  const end = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** TIME_WAIT sockets on loopback (state 06 in /proc/net/tcp), as [local port, remote port]. */
function timeWaitPorts(): Array<[number, number]> {
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[3] === '06')
    .map((f) => [Number.parseInt(f[1].split(':')[1], 16), Number.parseInt(f[2].split(':')[1], 16)]);
}

interface Pair {
  client: DataRole & { counters: { transactions: number; connectFailures: number } };
  server: DataRole;
  port: number;
  failures: Error[];
}

/** A CRR client and server of one data path on a fresh loopback port, the client past its probe. */
async function crrPair(path: 'native' | 'js', timeoutMs = 30_000): Promise<Pair> {
  const failures: Error[] = [];
  const onFailure = (err: Error): void => void failures.push(err);
  let port = 0;
  if (path === 'native') {
    const io = nativeIo!;
    const listener = listenNativeTcpOnly(io, '127.0.0.1', (p) => (port = p));
    const server = new NativeTcpCrrResponder(io, listener, COOKIE, 1, 1, timeoutMs, onFailure);
    const client = new NativeTcpCrrClient(io, '127.0.0.1', port, COOKIE, 1, 1, timeoutMs, onFailure);
    await client.probe();
    return { client, server, port, failures };
  }
  const server = await listenForTcpCrr('127.0.0.1', COOKIE, 1, 1, timeoutMs, (p) => (port = p));
  const client = new TcpCrrClient('127.0.0.1', port, COOKIE, 1, 1, timeoutMs, onFailure);
  await client.probe();
  return { client, server, port, failures };
}

for (const [path, skip] of PATHS) {
  test(`bench test TCP_CRR on loopback (${path}): connections per second and latency percentiles, no connect failures`, {
    skip,
  }, async () => {
    const r = await runCli(['test', 'TCP_CRR', '-t', '1s', '-i', '500ms', '--data-path', path, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(r.stdout) as RunObject;
    assert.equal(run.status, 'ok');
    assert.equal(run.test, 'TCP_CRR');
    assert.deepEqual([run.client.data_path, run.server.data_path], [path, path]);
    const s = run.summary as RrFigures;
    assert.ok(s.transactions > 0, JSON.stringify(s));
    assert.equal(s.connect_failures, 0);
    // The rate is over the client's own measured time, which duration_s rounds to the millisecond.
    assert.ok(Math.abs(s.transactions_per_sec - s.transactions / run.duration_s) <= 0.002 * s.transactions_per_sec, JSON.stringify(s));
    const l = s.latency_us;
    assert.ok(l.min > 0 && l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, JSON.stringify(l));
    assert.equal(run.intervals.length, 2);
    assert.equal(
      run.intervals.reduce((n, i) => n + (i.figures as RrFigures).transactions, 0),
      s.transactions,
    );
    assert.ok(run.latency_buckets && run.latency_buckets.counts.at(-1) === s.transactions);
  });

  test(`TCP_CRR (${path}): the server closes first, so TIME_WAIT holds its port and never the client's`, { skip }, async () => {
    const { client, server, port, failures } = await crrPair(path);
    client.start();
    await until(() => client.counters.transactions >= 20, 20_000, '20 transactions');
    await client.stop();
    await server.stop();
    assert.deepEqual(failures, []);
    const waiting = timeWaitPorts();
    const onServer = waiting.filter(([local]) => local === port).length;
    const onClient = waiting.filter(([, remote]) => remote === port).length;
    assert.ok(onServer >= 20, `${onServer} TIME_WAIT sockets on the server's port ${port}`);
    assert.equal(onClient, 0, `TIME_WAIT sockets on the client towards port ${port}`);
  });

  test(`TCP_CRR (${path}): connections refused once the server goes away are counted as connect failures`, { skip }, async () => {
    const { client, server, failures } = await crrPair(path);
    client.start();
    await until(() => client.counters.transactions >= 5, 20_000, '5 transactions');
    server.close();
    await until(() => client.counters.connectFailures >= 3, 20_000, '3 connect failures');
    const made = client.counters.transactions;
    await client.stop();
    assert.equal(client.counters.transactions, made, 'no transaction completes against a closed port');
    // Within the timeout the failures are counted, not the stream's end.
    assert.deepEqual(failures, []);
  });

  test(`TCP_CRR (${path}): no connection made for the whole timeout fails the stream, saying why`, { skip }, async () => {
    const { client, server, port, failures } = await crrPair(path, 1000);
    server.close();
    client.start();
    await until(() => failures.length > 0, 20_000, 'the stream failed');
    await client.stop();
    assert.match(
      failures[0].message,
      new RegExp(
        `^no TCP_CRR connection to 127\\.0\\.0\\.1:${port} could be made for 1s \\(\\d+ attempts, the last: connect ECONNREFUSED\\) - did the peer stop, or is a firewall in the way\\?$`,
      ),
    );
  });
}

test('running out of local ports names the cause and the fix', () => {
  const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  assert.equal(
    portExhaustionError('10.0.0.2', 40123, 28000).message,
    `TCP_CRR ran out of local ports after 28000 connections to 10.0.0.2:40123: connect EADDRNOTAVAIL - every port of net.ipv4.ip_local_port_range (${range[0]}-${range[1]}, ${range[1] - range[0] + 1} ports) is held, most likely by connections in TIME_WAIT; widen the range (sysctl -w net.ipv4.ip_local_port_range="1024 65535"), let new connections reuse TIME_WAIT ports (sysctl -w net.ipv4.tcp_tw_reuse=1), or run fewer streams or a shorter duration`,
  );
});

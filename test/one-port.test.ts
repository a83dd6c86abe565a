import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import { runTestOrEmbedded as runTest } from '../runner/cli/local-run.js';
import { resolveParams, type RawTestOptions } from '../runner/core/resolve-params.js';
import type { RrFigures, RunObject, StreamFigures } from '../runner/core/run-object.js';
import type { TestName } from '../runner/core/test-params.js';
import { DATA_GREETING_MAGIC } from '../runner/data/one-port.js';
import { socketHandoff, useDataPath, type DataPathKind } from '../runner/native/native-io.js';
import { startTestServer } from './helpers/in-process-server.js';
import { nativeSkip } from './helpers/socket-pairs.js';

/**
 * One port for everything (runner/data/one-port.ts): every test moves its
 * data through the server's control port, on both data paths, and a data
 * connection that brings a wrong cookie is closed unanswered while the test
 * it tried to join runs on. The ports are read from the kernel's own socket
 * tables while the test runs: client and server live in this process, so
 * its descriptors are all the sockets either side has.
 */

interface InetSocket {
  proto: 'tcp' | 'udp';
  localPort: number;
  remotePort: number;
  /** The kernel's state in hex: 01 established (TCP) or connected (UDP), 0A listening, 07 an unconnected UDP socket. */
  state: string;
}

/** This process's TCP and UDP sockets: its descriptors' inodes looked up in /proc/self/net/{tcp,udp}{,6}. */
function ownSockets(): InetSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // Closed between the listing and the read: not a socket of this moment.
    }
  }
  const found: InetSocket[] = [];
  for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) {
    for (const line of readFileSync(`/proc/self/net/${table}`, 'utf8').trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (!inodes.has(f[9])) continue;
      const port = (address: string): number => Number.parseInt(address.split(':')[1], 16);
      found.push({ proto: table.startsWith('tcp') ? 'tcp' : 'udp', localPort: port(f[1]), remotePort: port(f[2]), state: f[3] });
    }
  }
  return found;
}

/** A test against an in-process server on one data path, with this process's sockets as they were at the first interval. */
async function socketsDuringTest(
  name: TestName,
  dataPath: DataPathKind,
  options: RawTestOptions,
  onePort = true,
): Promise<{ run: RunObject; sockets: InetSocket[]; port: number }> {
  const server = await startTestServer({ timeout_s: 10, one_port: onePort });
  try {
    let sockets: InetSocket[] | null = null;
    const run = await runTest({
      params: resolveParams(name, { duration: '1s', interval: '0.5s', timeout: '10s', ...options }),
      peer: { host: '127.0.0.1', port: server.port },
      // The in-process server's workers start after the client's and take the same path.
      data_path: dataPath,
      onEvent: (event) => {
        if (event.type === 'interval' && !sockets) sockets = ownSockets();
      },
    });
    assert.equal(run.status, 'ok', JSON.stringify(run.error));
    assert.equal(run.client.data_path, dataPath);
    assert.equal(run.server.data_path, dataPath);
    assert.ok(sockets, 'no interval was reported while the test ran');
    return { run, sockets, port: server.port };
  } finally {
    await server.close();
    useDataPath(undefined);
  }
}

const TESTS: [TestName, RawTestOptions][] = [
  ['TCP_STREAM', { streams: '2' }],
  ['UDP_STREAM', { streams: '2', rate: '20M' }],
  ['TCP_RR', {}],
  ['UDP_RR', {}],
];

for (const dataPath of ['native', 'js'] as const) {
  // The JavaScript path takes its TCP connections from the control port through the native library too.
  const skip =
    dataPath === 'native' ? nativeSkip : socketHandoff ? false : 'the native library is not built: TCP data keeps a port per stream';
  for (const [name, options] of TESTS) {
    const streams = Number(options.streams ?? 1);
    test(`${dataPath} data path: ${name} with ${streams} stream(s) moves its data through the control port only`, { skip }, async () => {
      const { run, sockets, port } = await socketsDuringTest(name, dataPath, options);
      assert.deepEqual(
        sockets.filter((s) => s.localPort !== port && s.remotePort !== port),
        [],
        'sockets on another port',
      );
      const udp = name.startsWith('UDP');
      const count = (proto: 'tcp' | 'udp', side: 'localPort' | 'remotePort', state: string): number =>
        sockets.filter((s) => s.proto === proto && s[side] === port && s.state === state).length;
      assert.equal(count('tcp', 'localPort', '0A'), 1, 'one listening socket');
      // Control, and each TCP stream's connection, seen from both ends; each UDP stream connected at both ends.
      assert.equal(count('tcp', 'localPort', '01'), udp ? 1 : 1 + streams, 'server-side TCP connections');
      assert.equal(count('tcp', 'remotePort', '01'), udp ? 1 : 1 + streams, 'client-side TCP connections');
      assert.equal(count('udp', 'localPort', '01'), udp ? streams : 0, 'server-side UDP sockets');
      assert.equal(count('udp', 'remotePort', '01'), udp ? streams : 0, 'client-side UDP sockets');
      if (name.endsWith('_STREAM')) {
        const s = run.summary as StreamFigures;
        assert.ok(s.bytes_received > 0);
        assert.equal(s.bytes_received, s.bytes_sent);
      } else {
        assert.ok((run.summary as RrFigures).transactions > 0);
      }
    });
  }
}

test('with --ephemeral-data-ports each stream has its own data port, as before (what the check above would see)', {
  skip: nativeSkip,
}, async () => {
  const { sockets, port } = await socketsDuringTest('TCP_STREAM', 'native', { streams: '2' }, false);
  const elsewhere = sockets.filter((s) => s.localPort !== port && s.remotePort !== port);
  // Each stream's connection, seen from the client's end and the server's, on a port of its own.
  assert.equal(elsewhere.length, 4, JSON.stringify(elsewhere));
  assert.equal(new Set(elsewhere.map((s) => (s.state === '01' ? Math.min(s.localPort, s.remotePort) : 0))).size, 2);
});

/** A connection to `port` that sends `bytes`; resolves with what it got back once the server closed it. */
async function strayConnection(port: number, bytes: Buffer): Promise<Buffer> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(bytes);
  await once(socket, 'close');
  return Buffer.concat(chunks);
}

for (const dataPath of ['native', 'js'] as const) {
  const skip = dataPath === 'native' ? nativeSkip : socketHandoff ? false : 'the native library is not built';
  test(`${dataPath} data path: a data connection with a wrong cookie is closed without the ack, and the running test goes on`, {
    skip,
  }, async () => {
    const server = await startTestServer({ timeout_s: 10 });
    try {
      let stray: Promise<Buffer> | null = null;
      const run = await runTest({
        params: resolveParams('TCP_STREAM', { duration: '1s', interval: '0.5s', timeout: '10s' }),
        peer: { host: '127.0.0.1', port: server.port },
        data_path: dataPath,
        onEvent: (event) => {
          if (event.type === 'interval' && !stray)
            stray = strayConnection(server.port, Buffer.concat([DATA_GREETING_MAGIC, randomBytes(16)]));
        },
      });
      assert.ok(stray, 'no interval was reported while the test ran');
      assert.deepEqual(await stray, Buffer.alloc(0), 'the stray connection got bytes back');
      assert.equal(run.status, 'ok', JSON.stringify(run.error));
      const s = run.summary as StreamFigures;
      assert.ok(s.bytes_received > 0);
      assert.equal(s.bytes_received, s.bytes_sent);
      assert.deepEqual(
        server.log.events.filter((e) => e.event === 'data-refused').map((e) => e.fields.why),
        ['a cookie of no running test'],
      );
    } finally {
      await server.close();
      useDataPath(undefined);
    }
  });
}

test('a control connection still works on the one port: its first byte tells it from a data connection', async () => {
  const server = await startTestServer({ timeout_s: 10 });
  try {
    // The magic's first byte alone, then silence: not yet a data connection, not a control one either.
    const half = net.connect({ port: server.port, host: '127.0.0.1' });
    half.on('error', () => {});
    await once(half, 'connect');
    half.write(DATA_GREETING_MAGIC.subarray(0, 1));
    const run = await runTest({
      params: resolveParams('TCP_RR', { duration: '300ms', interval: '300ms', timeout: '10s' }),
      peer: { host: '127.0.0.1', port: server.port },
    });
    assert.equal(run.status, 'ok', JSON.stringify(run.error));
    half.destroy();
  } finally {
    await server.close();
  }
});

/** A UDP port free a moment ago on loopback. */
async function freeUdpPort(): Promise<number> {
  const probe = dgram.createSocket('udp4');
  probe.bind(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  return port;
}

async function connectedClient(port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.on('error', () => {});
  socket.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

test('kernel: in a SO_REUSEPORT group a connected UDP socket gets exactly its own 4-tuple, the one unconnected socket the rest', {
  skip: nativeSkip,
}, async () => {
  const io = socketHandoff!;
  const port = await freeUdpPort();
  const ack = Buffer.from('ack');
  const clients: dgram.Socket[] = [];
  const fds: number[] = [];
  try {
    // As the server's streams do: bind, take a hello, connect to its sender; then the next socket binds.
    for (const name of ['x', 'y', 'z']) {
      const fd = io.udpBindShared('127.0.0.1', port);
      assert.ok(fd >= 0, `udpBindShared: ${fd}`);
      fds.push(fd);
      const client = await connectedClient(port);
      clients.push(client);
      const hello = Buffer.from(`hello ${name}`);
      client.send(hello);
      let r = 0;
      for (let tries = 0; r === 0 && tries < 500; tries++) r = io.udpAwaitHello(fd, hello, ack, 10);
      assert.equal(r, 1, `socket for ${name} got its hello`);
    }
    // An unconnected socket, the next stream's: whatever comes from a new sender is its.
    const spare = io.udpBindShared('127.0.0.1', port);
    fds.push(spare);
    const stranger = await connectedClient(port);
    clients.push(stranger);
    const names = ['x', 'y', 'z', 'w'];
    for (let i = 0; i < 40; i++) {
      for (const [k, client] of clients.entries()) client.send(Buffer.from(`${names[k]}${i}`));
    }
    const buffer = Buffer.alloc(64);
    for (const [k, fd] of fds.entries()) {
      const got: string[] = [];
      for (let n = io.recvSome(fd, buffer, 0, 1000); n > 0; n = io.recvSome(fd, buffer, 0, 200)) got.push(buffer.toString('latin1', 0, n));
      // Loopback with 4 MiB buffers loses none of these few datagrams: each socket has all of its sender's, and no other.
      assert.deepEqual(
        got,
        Array.from({ length: 40 }, (_, i) => `${names[k]}${i}`),
        `socket ${k}`,
      );
    }
  } finally {
    for (const c of clients) c.close();
    for (const fd of fds) io.closeSocket(fd);
  }
});

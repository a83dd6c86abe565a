import { createRequire } from 'node:module';
import type { DataClock } from '../../runner/data/data-role.js';
import { type NativeSocket, connectNativeTcp, listenNativeTcp, listenNativeTcpOnly } from '../../runner/data/native-socket.js';
import { NativeTcpCrrClient } from '../../runner/data/native-tcp-crr-client.js';
import { NativeTcpCrrResponder } from '../../runner/data/native-tcp-crr-responder.js';
import { NativeTcpRrClient } from '../../runner/data/native-tcp-rr.js';
import { NativeTcpRrResponder } from '../../runner/data/native-tcp-rr.js';
import { NativeTcpStreamReceiver } from '../../runner/data/native-tcp-stream.js';
import { NativeTcpStreamSender } from '../../runner/data/native-tcp-stream.js';
import { NativeUdpRrClient } from '../../runner/data/native-udp-rr.js';
import { NativeUdpRrResponder } from '../../runner/data/native-udp-rr.js';
import { NativeUdpStreamReceiver } from '../../runner/data/native-udp-stream.js';
import { NativeUdpStreamSender } from '../../runner/data/native-udp-stream.js';
import type { NativeIo } from '../../runner/native/native-io.js';
import { nativeUdpHandshakePair } from './socket-pairs.js';

/**
 * Runs every native loop and every socket call of an addon given on the
 * command line over loopback, and every argument check with values that
 * must be refused: run by test/native-sanitizers.test.ts in a child process
 * with the sanitized build, where a memory error or undefined behaviour
 * aborts the process. Prints one JSON line of what it did.
 */
const io = createRequire(import.meta.url)(process.argv[2]!) as NativeIo;
const COOKIE = Buffer.alloc(16, 0xc5);
const fail = (err: Error): never => {
  throw err;
};
const clock = (): DataClock => ({ started: false, start() {} });

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within 20 s: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function tcpPair(): Promise<[NativeSocket, NativeSocket]> {
  let client: Promise<NativeSocket> | undefined;
  const server = await listenNativeTcp(
    io,
    '127.0.0.1',
    COOKIE,
    5_000,
    (port) => (client = connectNativeTcp(io, '127.0.0.1', port, COOKIE, 5_000)),
  );
  return [await client!, server];
}

/** Each must throw: a number that would be undefined behaviour or out of bounds in C. */
function refusals(): number {
  const out = new Float64Array(8);
  const buf = Buffer.alloc(64);
  const calls: [string, () => unknown][] = [
    ['NaN slice', () => io.tcpRecv(0, buf, 1, NaN, out)],
    ['Infinity slice', () => io.udpRecv(0, buf, 16, out, Infinity, out)],
    ['negative slice', () => io.tcpSend(0, buf, 0, -1, out)],
    ['huge slice', () => io.tcpSend(0, buf, 0, 1e300, out)],
    ['unknown fd', () => io.tcpSend(12345, buf, 0, 1, out)],
    ['fractional fd', () => io.closeSocket(0.5)],
    ['offset past the message', () => io.sendSome(0, buf, 64)],
    ['bad address', () => io.tcpConnect('not an address', 1)],
    ['port 0', () => io.udpConnect('127.0.0.1', 0)],
  ];
  let refused = 0;
  for (const [what, call] of calls) {
    try {
      call();
    } catch {
      refused++;
      continue;
    }
    throw new Error(`not refused: ${what}`);
  }
  return refused;
}

/** State slots written outside their bounds must throw, not index or cast them. */
async function stateRefusals(): Promise<number> {
  const [a, b] = await tcpPair();
  const state = new Float64Array(6);
  const lat = new Float64Array(4);
  const out = new Float64Array(4);
  let refused = 0;
  for (const [slot, value] of [
    [0, 7],
    [1, 1e9],
    [2, NaN],
    [3, -1],
    [5, Infinity],
  ] as const) {
    state.fill(0);
    state[slot] = value;
    try {
      io.tcpRrClient(a.fd, Buffer.alloc(5), 5, Buffer.alloc(5), 1, 1, state, lat, out);
    } catch {
      refused++;
      continue;
    }
    throw new Error(`state[${slot}] = ${value} not refused`);
  }
  a.close();
  b.close();
  return refused;
}

const report: Record<string, number> = { refused: refusals(), stateRefused: await stateRefusals() };

{
  const [a, b] = await tcpPair();
  const sender = new NativeTcpStreamSender(io, a, 100_003, 5_000, fail);
  const receiver = new NativeTcpStreamReceiver(io, b, clock(), 5_000, fail);
  receiver.start();
  sender.start();
  await until(() => receiver.counters.bytes > 5_000_000, 'TCP_STREAM moved 5 MB');
  await sender.stop();
  await receiver.stop();
  if (receiver.counters.bytes !== sender.counters.bytes)
    throw new Error(`TCP_STREAM: ${receiver.counters.bytes} of ${sender.counters.bytes} bytes`);
  report.tcpStreamBytes = receiver.counters.bytes;
  sender.close();
  receiver.close();
}
{
  const [a, b] = await tcpPair();
  const responder = new NativeTcpRrResponder(io, b, 3000, 3000, 5_000, fail);
  const client = new NativeTcpRrClient(io, a, 3000, 3000, 5_000, fail);
  responder.start();
  client.start();
  await until(() => client.counters.transactions >= 50, 'TCP_RR 50 transactions');
  await client.stop();
  await responder.stop();
  report.tcpRrTransactions = client.counters.transactions;
  client.close();
  responder.close();
}
{
  const [a, b] = await nativeUdpHandshakePair(io, COOKIE);
  const receiver = new NativeUdpStreamReceiver(io, b, 1472, clock(), COOKIE, 50, fail);
  const sender = new NativeUdpStreamSender(io, a, 1472, 0, fail);
  sender.start();
  await until(() => (receiver.syncCounters(), receiver.counters.packets > 2_000), 'UDP_STREAM 2000 datagrams');
  await sender.stop();
  await receiver.stop();
  report.udpStreamPackets = receiver.counters.packets;
  sender.close();
  receiver.close();
}
{
  const [a, b] = await nativeUdpHandshakePair(io, COOKIE);
  const responder = new NativeUdpRrResponder(io, b, COOKIE, 14, 14, 50, fail);
  const client = new NativeUdpRrClient(io, a, 14, 14, 2_000, fail);
  client.start();
  await until(() => client.counters.transactions >= 50, 'UDP_RR 50 transactions');
  await client.stop();
  await responder.stop();
  report.udpRrTransactions = client.counters.transactions;
  client.close();
  responder.close();
}
{
  // TCP_CRR: a connection per transaction, opened and closed in C; a response larger than one segment.
  let port = 0;
  const responder = new NativeTcpCrrResponder(
    io,
    listenNativeTcpOnly(io, '127.0.0.1', (p) => (port = p)),
    COOKIE,
    100,
    3000,
    2_000,
    fail,
  );
  const client = new NativeTcpCrrClient(io, '127.0.0.1', port, COOKIE, 100, 3000, 2_000, fail);
  await client.probe();
  client.start();
  await until(() => client.counters.transactions >= 20, 'TCP_CRR 20 transactions');
  await client.stop();
  await responder.stop();
  report.tcpCrrTransactions = client.counters.transactions;
}
console.log(JSON.stringify(report));

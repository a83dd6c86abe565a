import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { NativeTcpRrClient } from '../runner/data/native-tcp-rr.js';
import { NativeTcpRrResponder } from '../runner/data/native-tcp-rr.js';
import { NativeUdpRrClient } from '../runner/data/native-udp-rr.js';
import { NativeUdpRrResponder } from '../runner/data/native-udp-rr.js';
import { HANDSHAKE_ACK, HANDSHAKE_HELLO, readHandshake, writeHandshake } from '../runner/data/udp-datagram.js';
import { nativeSkip, nativeTcpPair, nativeUdpPair } from './helpers/socket-pairs.js';
import { NativeSocket } from '../runner/data/native-socket.js';
import { nativeIo } from '../runner/native/native-io.js';

/**
 * The native TCP_RR and UDP_RR roles on real loopback sockets, each against a
 * plain Node peer: one answer per whole request however the bytes arrive, a
 * lost request costing one timeout and no stall, a late reply counted late.
 * A native call holds its thread for a slice, so a peer that must answer
 * promptly runs in a worker thread.
 */
const skip = nativeSkip;
const io = nativeIo!;
const COOKIE = Buffer.alloc(16, 0xc5);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, withinMs: number, what: string): Promise<void> {
  const end = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

test('TCP_RR responder: one response per whole request, with requests split at odd offsets and several per write', { skip }, async () => {
  const [ours, peer] = await nativeTcpPair(io);
  let answered = 0;
  peer.on('data', (chunk: Buffer) => (answered += chunk.length));
  const failures: Error[] = [];
  const responder = new NativeTcpRrResponder(io, ours, 10, 7, 5_000, (err) => failures.push(err));
  responder.start();
  // 13 is one whole 10-byte request and 3 bytes of the next; 7 completes it; 3+4+3 the third; 25 two more and half; 1+34 the rest: 90 bytes, 9 requests.
  for (const size of [13, 7, 3, 4, 3, 25, 1, 34]) {
    peer.write(Buffer.alloc(size, 0x71));
    await sleep(8);
  }
  await until(() => answered >= 9 * 7, 3_000, `9 responses arrived (${answered} bytes so far)`);
  // An incomplete request is not answered.
  peer.write(Buffer.alloc(4, 0x71));
  await sleep(50);
  assert.equal(answered, 9 * 7);
  assert.equal(responder.counters.transactions, 9);
  const stopped = responder.stop();
  peer.end();
  await stopped;
  assert.deepEqual(failures, []);
  responder.close();
  peer.destroy();
});

test('TCP_RR client: each transaction waits for the whole response, however it arrives; stop settles the last request and ends the connection', {
  skip,
}, async () => {
  const [ours, peer] = await nativeTcpPair(io);
  const REQUEST = 5;
  const RESPONSE = 3000;
  let requestBytes = 0;
  const ended = new Promise<void>((resolve) => peer.on('end', resolve));
  peer.on('data', (chunk: Buffer) => {
    const before = Math.floor(requestBytes / REQUEST);
    requestBytes += chunk.length;
    // Each response in three writes of odd sizes.
    for (let k = before; k < Math.floor(requestBytes / REQUEST); k++) {
      peer.write(Buffer.alloc(1001, 0x72));
      peer.write(Buffer.alloc(1, 0x72));
      peer.write(Buffer.alloc(RESPONSE - 1002, 0x72));
    }
  });
  const failures: Error[] = [];
  const client = new NativeTcpRrClient(io, ours, REQUEST, RESPONSE, 5_000, (err) => failures.push(err));
  client.start();
  await sleep(200);
  await client.stop();
  await ended;
  assert.deepEqual(failures, []);
  const c = client.counters;
  assert.ok(c.transactions > 5, `only ${c.transactions} transactions in 200 ms`);
  assert.equal(c.requestsSent, c.transactions, 'the last request was settled');
  assert.equal(requestBytes, c.requestsSent * REQUEST);
  const latency = client.latency.takeInterval();
  assert.ok(latency && latency.min > 0 && latency.min <= latency.max, JSON.stringify(latency));
  client.close();
  peer.destroy();
});

test('TCP_RR client: the peer closing mid-test fails the stream once the progress timeout has passed, and says so', { skip }, async () => {
  const [ours, peer] = await nativeTcpPair(io);
  // A peer that never answers, then closes: its control connection would normally report it first.
  peer.on('data', () => {});
  const startedAt = Date.now();
  const failed = new Promise<Error>((resolve) => {
    const client = new NativeTcpRrClient(io, ours, 5, 5, 300, (err) => {
      client.close();
      resolve(err);
    });
    client.start();
  });
  await sleep(30);
  peer.end();
  assert.match((await failed).message, /^data connection failed: the peer closed it - did the peer stop\?$/);
  const tookMs = Date.now() - startedAt;
  assert.ok(tookMs >= 250 && tookMs < 2_000, `failed after ${tookMs} ms, expected about the 300 ms timeout`);
  peer.destroy();
});

/** A plain UDP_RR responder in a worker thread: drops the requests numbered in `drop`, answers those in `delay` 30 ms late. */
async function plainUdpResponder(
  width: number,
  responseSize: number,
  drop: number[],
  delay: number[],
): Promise<{ port: number; stop(): Promise<void> }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const dgram = require('node:dgram');
    const { width, responseSize, drop, delay } = workerData;
    const s = dgram.createSocket('udp4');
    let n = 0;
    s.on('message', (msg, rinfo) => {
      n++;
      if (drop.includes(n)) return;
      const reply = Buffer.alloc(responseSize, 0x72);
      msg.copy(reply, 0, 0, width);
      const send = () => s.send(reply, rinfo.port, rinfo.address);
      if (delay.includes(n)) setTimeout(send, 30);
      else send();
    });
    s.bind(0, '127.0.0.1', () => parentPort.postMessage(s.address().port));
    parentPort.on('message', () => s.close(() => parentPort.close()));
  `;
  const worker = new Worker(code, { eval: true, workerData: { width, responseSize, drop, delay } });
  const [port] = (await once(worker, 'message')) as [number];
  return {
    port,
    stop: async () => {
      worker.postMessage('stop');
      await once(worker, 'exit');
    },
  };
}

test('UDP_RR client: a dropped request costs one timeout and no stall; a reply after its timeout is late', { skip }, async () => {
  const peer = await plainUdpResponder(4, 14, [5], [10]);
  const socket = new NativeSocket(io, io.udpConnect('127.0.0.1', peer.port));
  const failures: Error[] = [];
  const client = new NativeUdpRrClient(io, socket, 14, 14, 2_000, (err) => failures.push(err));
  client.start();
  await sleep(300);
  await client.stop();
  await peer.stop();
  assert.deepEqual(failures, []);
  const c = client.counters;
  assert.ok(c.transactions > 50, `only ${c.transactions} transactions in 300 ms`);
  // Every request is settled: answered or timed out.
  assert.equal(c.requestsSent, c.transactions + c.timeouts, JSON.stringify(c));
  // The 10th request's reply comes after its timeout, and counts as late. On a busy machine a
  // reply may miss the 1 ms minimum timeout too, but then it is also late: only the drop is a
  // timeout without a late reply.
  assert.ok(c.lateReplies >= 1, JSON.stringify(c));
  assert.equal(c.timeouts - c.lateReplies, 1, `one request dropped: ${JSON.stringify(c)}`);
  const latency = client.latency.takeInterval();
  assert.ok(latency && latency.min > 0, JSON.stringify(latency));
  client.close();
});

test('UDP_RR responder: answers each request with its sequence number, a late hello with the ack, and skips what is neither', {
  skip,
}, async () => {
  const [ours, peer] = await nativeUdpPair(io);
  const got: Buffer[] = [];
  peer.on('message', (msg: Buffer) => got.push(msg));
  const failures: Error[] = [];
  const responder = new NativeUdpRrResponder(io, ours, COOKIE, 14, 100, 100, (err) => failures.push(err));
  responder.start();
  const request = (seq: number): Buffer => {
    const b = Buffer.alloc(14, 0x71);
    b.writeUInt32BE(seq, 0);
    return b;
  };
  peer.send(writeHandshake(HANDSHAKE_HELLO, COOKIE));
  peer.send(writeHandshake(HANDSHAKE_HELLO, Buffer.alloc(16, 0x01))); // another test's cookie: no answer
  peer.send(request(7));
  peer.send(Buffer.alloc(3, 0x71)); // shorter than the sequence number: no answer
  peer.send(request(0x01020304));
  await until(() => got.length >= 3, 3_000, `3 answers arrived (${got.length} so far)`);
  await sleep(50);
  assert.equal(got.length, 3);
  assert.equal(readHandshake(got[0], COOKIE), HANDSHAKE_ACK);
  assert.deepEqual(
    got.slice(1).map((m) => [m.length, m.readUInt32BE(0)]),
    [
      [100, 7],
      [100, 0x01020304],
    ],
  );
  assert.equal(responder.counters.transactions, 2);
  await responder.stop();
  assert.deepEqual(failures, []);
  responder.close();
  peer.close();
});

import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import type { DataClock } from '../runner/data/data-role.js';
import { NativeUdpStreamReceiver } from '../runner/data/native-udp-stream.js';
import { NativeUdpStreamSender } from '../runner/data/native-udp-stream.js';
import { HANDSHAKE_ACK, HANDSHAKE_HELLO, readHandshake, writeHandshake, writeStreamHeader } from '../runner/data/udp-datagram.js';
import { waitUntil } from './helpers/raw-control.js';
import { nativeSkip, nativeUdpHandshakePair, nativeUdpPair } from './helpers/socket-pairs.js';
import { nativeIo } from '../runner/native/native-io.js';

/**
 * The native UDP_STREAM roles on real loopback sockets, each against a plain
 * Node dgram socket on the other end: what the C loops send and what they
 * count must match the datagram layout and the tracker's definitions.
 */
const skip = nativeSkip;
const io = nativeIo!;
const COOKIE = Buffer.alloc(16, 0xc5);

function testClock(): DataClock & { startedAt: number } {
  return {
    startedAt: 0,
    get started() {
      return this.startedAt !== 0;
    },
    start() {
      if (this.startedAt === 0) this.startedAt = performance.now();
    },
  };
}

function datagram(size: number, seq: number, sentAt: number): Buffer {
  const b = Buffer.alloc(size, 0x75);
  writeStreamHeader(b, seq, sentAt);
  return b;
}

test('native receiver: a gap, a reorder, a duplicate, a runt and a late hello are counted as the tracker defines them', {
  skip,
}, async () => {
  const [socket, peer] = await nativeUdpPair(io);
  const size = 200;
  const clock = testClock();
  const failures: Error[] = [];
  const receiver = new NativeUdpStreamReceiver(io, socket, size, clock, COOKIE, 50, (err) => failures.push(err));
  try {
    const acks: number[] = [];
    peer.on('message', (msg) => acks.push(readHandshake(msg, COOKIE)));
    const before = performance.now();
    // Sent before start(): the receiver reads from construction on, so these count too.
    for (const seq of [0, 1, 2, 4, 3, 3]) peer.send(datagram(size, seq, performance.now()));
    peer.send(Buffer.alloc(10, 1)); // shorter than a header: not a datagram of ours
    peer.send(writeHandshake(HANDSHAKE_HELLO, COOKIE)); // the client's hello retransmitted after our ack was lost
    peer.send(writeHandshake(HANDSHAKE_HELLO, Buffer.alloc(16, 0x01))); // another test's cookie: no answer
    for (const seq of [5, 7]) peer.send(datagram(size, seq, performance.now()));
    receiver.start();
    await waitUntil(() => (receiver.syncCounters(), receiver.counters.packets === 7), 3000, '7 distinct datagrams');
    await waitUntil(() => acks.length > 0, 3000, 'the ack to the late hello');
    const c = receiver.counters;
    assert.deepEqual(
      { packets: c.packets, lost: c.lost, outOfOrder: c.outOfOrder, duplicates: c.duplicates, bytes: c.bytes },
      { packets: 7, lost: 1, outOfOrder: 1, duplicates: 1, bytes: 7 * size },
    );
    assert.deepEqual(acks, [HANDSHAKE_ACK], 'one ack, to the hello with our cookie');
    assert.ok(clock.started, 'the first datagram starts the clock');
    // Arrival times are kernel timestamps moved onto performance.now()'s timeline.
    const last = receiver.lastActivityAt;
    assert.ok(last >= before - 1 && last <= performance.now() + 1, `last arrival ${last} within [${before}, ${performance.now()}]`);
    // Sender and receiver share this thread's clock: transit is microseconds, so jitter is far below a millisecond.
    assert.ok(c.jitterMs >= 0 && c.jitterMs < 1, `jitter ${c.jitterMs} ms`);
    const endedAt = await receiver.stop();
    assert.equal(endedAt, last, 'the stream ends at its last datagram');
    // After the drain nothing more counts.
    peer.send(datagram(size, 8, performance.now()));
    await new Promise((r) => setTimeout(r, 30));
    receiver.syncCounters();
    assert.equal(c.packets, 7);
    assert.deepEqual(failures, []);
  } finally {
    receiver.close();
    peer.close();
  }
});

test('native receiver: datagrams that queue while it is busy keep their own arrival times, so jitter stays near zero', {
  skip,
}, async () => {
  const [socket, peer] = await nativeUdpPair(io);
  const size = 100;
  const receiver = new NativeUdpStreamReceiver(io, socket, size, testClock(), COOKIE, 20, () => {});
  try {
    // 20 datagrams 1 ms apart while this thread never yields: the receiver reads them all in one batch
    // afterwards. Transit is the same for each, so RFC 3550 jitter is ~0; stamped with the batch's read
    // time instead, each would seem 1 ms later than the one before and jitter would climb towards 0.7 ms.
    for (let seq = 0; seq < 20; seq++) {
      const at = performance.now();
      peer.send(datagram(size, seq, at));
      while (performance.now() < at + 1);
    }
    await waitUntil(() => (receiver.syncCounters(), receiver.counters.packets === 20), 3000, '20 datagrams');
    // Half of what batch stamping gives (~0.7 ms): a loaded machine adds some, never that much.
    assert.ok(
      receiver.counters.jitterMs < 0.35,
      `jitter ${receiver.counters.jitterMs} ms for datagrams sent 1 ms apart over an idle loopback`,
    );
  } finally {
    receiver.close();
    peer.close();
  }
});

test('native sender, paced: numbered headers with sent-at times on performance.now(), the payload intact, at the rate asked', {
  skip,
}, async () => {
  const [socket, peer] = await nativeUdpPair(io);
  const size = 100;
  const rateBps = 2000 * size * 8; // 2000 datagrams per second
  const received: Buffer[] = [];
  peer.on('message', (msg) => received.push(msg));
  const failures: Error[] = [];
  const sender = new NativeUdpStreamSender(io, socket, size, rateBps, (err) => failures.push(err));
  try {
    const before = performance.now();
    sender.start();
    await new Promise((r) => setTimeout(r, 300));
    const stoppedAt = await sender.stop();
    await waitUntil(() => received.length >= sender.counters.packets, 2000, 'every datagram sent');
    const sent = sender.counters.packets;
    assert.ok(sent >= 450 && sent <= 700, `${sent} datagrams in 300 ms at 2000/s`);
    assert.equal(sender.counters.bytes, sent * size);
    assert.equal(received.length, sent, 'loopback at a low rate loses nothing');
    let previousAt = before;
    received.forEach((d, i) => {
      assert.equal(d.length, size);
      assert.equal(d.readUInt32BE(0), 0);
      assert.equal(d.readUInt32BE(4), i, 'sequence numbers count up from 0');
      const at = d.readDoubleBE(8);
      assert.ok(at >= previousAt && at <= stoppedAt, `datagram ${i} sent at ${at}, previous ${previousAt}, stopped ${stoppedAt}`);
      previousAt = at;
      assert.ok(
        d.subarray(16).every((b) => b === 0x75),
        'the payload after the header is untouched',
      );
    });
    assert.deepEqual(failures, []);
  } finally {
    sender.close();
    peer.close();
  }
});

test('native sender and receiver, unpaced: the counts agree and nothing is reordered or doubled', { skip }, async () => {
  const [a, b] = await nativeUdpHandshakePair(io);
  const size = 1472;
  const clock = testClock();
  const failures: Error[] = [];
  const receiver = new NativeUdpStreamReceiver(io, b, size, clock, COOKIE, 100, (err) => failures.push(err));
  const sender = new NativeUdpStreamSender(io, a, size, 0, (err) => failures.push(err));
  try {
    receiver.start();
    sender.start();
    await new Promise((r) => setTimeout(r, 300));
    await sender.stop();
    await receiver.stop();
    receiver.syncCounters();
    const s = sender.counters;
    const r = receiver.counters;
    assert.ok(s.packets > 1000, `${s.packets} datagrams sent in 300 ms`);
    assert.ok(r.packets > 0 && r.packets <= s.packets, `received ${r.packets} of ${s.packets}`);
    // Loopback drops only at a full receive buffer; the tail may be lost as well, so highest + 1 <= sent.
    assert.ok(r.packets + r.lost <= s.packets, `received ${r.packets} + lost ${r.lost} <= sent ${s.packets}`);
    assert.equal(r.bytes, r.packets * size);
    assert.equal(r.outOfOrder, 0);
    assert.equal(r.duplicates, 0);
    assert.deepEqual(failures, []);
  } finally {
    sender.close();
    receiver.close();
  }
});

test('native sender: a receiver that is gone (ICMP port unreachable) fails the stream with ECONNREFUSED', { skip }, async () => {
  const [socket, peer] = await nativeUdpPair(io);
  peer.close();
  let failure: Error | null = null;
  const sender = new NativeUdpStreamSender(io, socket, 1472, 0, (err) => (failure = err));
  try {
    sender.start();
    await waitUntil(() => failure !== null, 3000, 'the sender to fail');
    assert.match(failure!.message, /^UDP data socket failed: send ECONNREFUSED - did the peer stop\?$/);
    await assert.rejects(sender.stop(), /ECONNREFUSED/);
  } finally {
    sender.close();
  }
});

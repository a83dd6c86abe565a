import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NativeTcpStreamReceiver } from '../runner/data/native-tcp-stream-receiver.js';
import { NativeTcpStreamSender } from '../runner/data/native-tcp-stream-sender.js';
import { tcpPair } from './helpers/socket-pairs.js';
import { nativeIo, nativeIoUnavailable } from '../runner/native/native-io.js';

/**
 * The native TCP_STREAM loops on real loopback sockets, against plain Node
 * peers: every byte counted once, the peer's end and reset seen, and a peer
 * that stops reading caught by the progress timeout.
 */
const io = nativeIo;

test('the native data path is built and loads', () => {
  assert.ok(io, `native data path unavailable: ${nativeIoUnavailable}`);
});

function clockStub() {
  return {
    started: false,
    start() {
      this.started = true;
    },
  };
}

test('sender: the peer receives exactly the bytes counted, with a message size that splits writes', { skip: !io }, async () => {
  const [ours, peer] = await tcpPair();
  let received = 0;
  const ended = new Promise<void>((resolve) => peer.on('end', resolve));
  peer.on('data', (chunk: Buffer) => (received += chunk.length));
  const failures: Error[] = [];
  const sender = new NativeTcpStreamSender(io!, ours, 100_003, 5_000, (err) => failures.push(err));
  sender.start();
  await new Promise((resolve) => setTimeout(resolve, 300));
  await sender.stop();
  await ended;
  assert.deepEqual(failures, []);
  assert.ok(sender.counters.bytes > 1_000_000, `sent only ${sender.counters.bytes} bytes in 300 ms`);
  assert.equal(received, sender.counters.bytes);
  sender.close();
  peer.destroy();
});

test('receiver: counts every byte once, including those Node read before the hand-over, and resolves at the end', { skip: !io }, async () => {
  const [ours, peer] = await tcpPair();
  const clock = clockStub();
  const receiver = new NativeTcpStreamReceiver(io!, ours, 7, clock, 5_000, (err) => assert.fail(err));
  receiver.start();
  let sent = 0;
  for (let i = 0; i < 200; i++) {
    const chunk = Buffer.alloc(1 + ((i * 7919) % 65_536), i);
    peer.write(chunk);
    sent += chunk.length;
  }
  peer.end();
  const endedAt = await receiver.stop();
  assert.equal(receiver.counters.bytes, sent + 7, 'bytes counted = bytes written + the 7 already read');
  assert.ok(clock.started, 'the first byte starts the clock');
  assert.ok(endedAt > 0);
  receiver.close();
});

test('receiver: a reset from the peer fails the stream and says so', { skip: !io }, async () => {
  const [ours, peer] = await tcpPair();
  const failed = new Promise<Error>((resolve) => {
    const receiver = new NativeTcpStreamReceiver(io!, ours, 0, clockStub(), 5_000, resolve);
    receiver.start();
  });
  peer.write(Buffer.alloc(1000));
  peer.resetAndDestroy();
  const err = await failed;
  assert.equal(err.message, 'data connection failed: read ECONNRESET - did the peer stop?');
  ours.destroy();
});

test('sender: a peer that stops reading is caught by the progress timeout', { skip: !io }, async () => {
  const [ours, peer] = await tcpPair();
  peer.pause();
  const started = Date.now();
  const failed = new Promise<Error>((resolve) => {
    const sender = new NativeTcpStreamSender(io!, ours, 65_536, 400, resolve);
    sender.start();
  });
  const err = await failed;
  assert.match(err.message, /took no data for 0.4s/);
  assert.ok(Date.now() - started < 5_000);
  ours.destroy();
  peer.destroy();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NativeTcpStreamReceiver } from '../runner/data/native-tcp-stream.js';
import { NativeTcpStreamSender } from '../runner/data/native-tcp-stream.js';
import net from 'node:net';
import { listenNativeTcp } from '../runner/data/native-socket.js';
import { compilerPresent, nativeSkip, nativeTcpPair } from './helpers/socket-pairs.js';
import { nativeIo, nativeIoUnavailable } from '../runner/native/native-io.js';

/**
 * The native TCP_STREAM loops on real loopback sockets, against plain Node
 * peers: every byte counted once, the peer's end and reset seen, and a peer
 * that stops reading caught by the progress timeout.
 */
const io = nativeIo;

// Without a compiler (or with BENCH_DATA_PATH=js) the native tests skip; with one, a build that does not load is a failure.
const canBuild = process.env.BENCH_DATA_PATH !== 'js' && compilerPresent();
test('the native data path is built and loads where a C compiler is present', {
  skip: canBuild ? false : 'no C compiler here, or BENCH_DATA_PATH=js',
}, () => {
  assert.ok(io, `native data path unavailable: ${nativeIoUnavailable}`);
});

async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
}

function clockStub() {
  return {
    started: false,
    start() {
      this.started = true;
    },
  };
}

test('sender: the peer receives exactly the bytes counted, with a message size that splits writes', { skip: nativeSkip }, async () => {
  const [ours, peer] = await nativeTcpPair(io!);
  let received = 0;
  const ended = new Promise<void>((resolve) => peer.on('end', resolve));
  peer.on('data', (chunk: Buffer) => (received += chunk.length));
  const failures: Error[] = [];
  const sender = new NativeTcpStreamSender(io!, ours, 100_003, 5_000, (err) => failures.push(err));
  sender.start();
  // Sending for 300 ms is the input here (not a wait for something to happen): many writes, split at odd offsets.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await sender.stop();
  await ended;
  assert.deepEqual(failures, []);
  assert.ok(sender.counters.bytes > 2 * 100_003, `sent ${sender.counters.bytes} bytes: more than two messages, so writes were split`);
  assert.equal(received, sender.counters.bytes);
  sender.close();
  peer.destroy();
});

test('receiver: a server socket takes the connection with the cookie, and counts every byte after it once, those sent with the cookie too', {
  skip: nativeSkip,
}, async () => {
  const cookie = Buffer.alloc(16, 0xc5);
  let port = 0;
  const accepted = listenNativeTcp(io!, '127.0.0.1', cookie, 5_000, (p) => (port = p));
  await waitFor(() => port !== 0);
  // Another test's connection first: a wrong cookie is dropped and the wait goes on.
  const stranger = net.connect({ host: '127.0.0.1', port });
  stranger.write(Buffer.alloc(16, 0x01));
  const strangerClosed = new Promise<void>((resolve) => stranger.on('close', () => resolve()));
  stranger.on('error', () => {});
  await strangerClosed;
  const peer = net.connect({ host: '127.0.0.1', port });
  // 7 bytes in the cookie's own segment: they belong to the stream.
  peer.write(Buffer.concat([cookie, Buffer.alloc(7, 0x01)]));
  const ours = await accepted;
  const clock = clockStub();
  const receiver = new NativeTcpStreamReceiver(io!, ours, clock, 5_000, (err) => assert.fail(err));
  receiver.start();
  let sent = 0;
  for (let i = 0; i < 200; i++) {
    const chunk = Buffer.alloc(1 + ((i * 7919) % 65_536), i);
    peer.write(chunk);
    sent += chunk.length;
  }
  peer.end();
  const endedAt = await receiver.stop();
  assert.equal(receiver.counters.bytes, sent + 7, 'bytes counted = bytes written + the 7 sent with the cookie');
  assert.ok(clock.started, 'the first byte starts the clock');
  assert.ok(endedAt > 0);
  receiver.close();
  assert.ok(ours.closed);
});

test('receiver: a reset from the peer fails the stream and says so', { skip: nativeSkip }, async () => {
  const [ours, peer] = await nativeTcpPair(io!);
  const failed = new Promise<Error>((resolve) => {
    const receiver = new NativeTcpStreamReceiver(io!, ours, clockStub(), 5_000, resolve);
    receiver.start();
  });
  peer.write(Buffer.alloc(1000));
  peer.resetAndDestroy();
  const err = await failed;
  assert.equal(err.message, 'data connection failed: read ECONNRESET - did the peer stop?');
  ours.close();
});

test('sender: a peer that stops reading is caught by the progress timeout', { skip: nativeSkip }, async () => {
  const [ours, peer] = await nativeTcpPair(io!);
  peer.pause();
  const started = Date.now();
  const failed = new Promise<Error>((resolve) => {
    const sender = new NativeTcpStreamSender(io!, ours, 65_536, 400, resolve);
    sender.start();
  });
  const err = await failed;
  assert.match(err.message, /took no data for 0.4s/);
  assert.ok(Date.now() - started < 5_000);
  ours.close();
  peer.destroy();
});

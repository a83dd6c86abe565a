import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nativeIo } from '../runner/native/native-io.js';
import { nativeSkip, nativeTcpPair } from './helpers/socket-pairs.js';

/**
 * The C boundary: every number is checked before C uses it, so NaN, Infinity,
 * fractions and values out of range throw an error that names the function
 * and the argument, and only descriptors the native path opened itself are
 * taken (never one of Node's).
 */
const skip = nativeSkip;
const io = nativeIo!;
const out = new Float64Array(8);

test('a slice that is NaN, infinite, negative or longer than 10 s is refused before it becomes a deadline', { skip }, async () => {
  const [ours, peer] = await nativeTcpPair(io);
  try {
    const buf = Buffer.alloc(64);
    assert.throws(() => io.tcpRecv(ours.fd, buf, 1, NaN, out), {
      name: 'RangeError',
      message: 'tcpRecv: sliceMs must be from 0 to 10000 ms, got nan',
    });
    assert.throws(() => io.tcpSend(ours.fd, buf, 0, Infinity, out), {
      name: 'RangeError',
      message: 'tcpSend: sliceMs must be from 0 to 10000 ms, got inf',
    });
    assert.throws(() => io.tcpSend(ours.fd, buf, 0, -1, out), {
      name: 'RangeError',
      message: 'tcpSend: sliceMs must be from 0 to 10000 ms, got -1',
    });
    assert.throws(() => io.tcpSend(ours.fd, buf, 0, 1e300, out), {
      name: 'RangeError',
      message: 'tcpSend: sliceMs must be from 0 to 10000 ms, got 1e+300',
    });
    assert.throws(() => io.tcpSend(ours.fd, buf, 64, 1, out), {
      name: 'RangeError',
      message: 'tcpSend: offset must be an integer from 0 to 63, got 64',
    });
    assert.throws(() => io.udpSend(ours.fd, buf, 1.5, 0, 0, 1, out), {
      name: 'RangeError',
      message: 'udpSend: count must be an integer from 0 to 2147483648, got 1.5',
    });
    assert.throws(() => io.udpSend(ours.fd, buf, 1, 0, NaN, 1, out), {
      name: 'RangeError',
      message: 'udpSend: clockOffsetMs must be a finite number, got nan',
    });
    assert.throws(() => io.tcpSend(ours.fd, buf, '0' as unknown as number, 1, out), {
      name: 'TypeError',
      message: 'tcpSend: offset must be a number',
    });
  } finally {
    ours.close();
    peer.destroy();
  }
});

test("a descriptor the native path did not open, or has closed, is refused: Node's own are never touched", { skip }, async () => {
  const [ours, peer] = await nativeTcpPair(io);
  const buf = Buffer.alloc(64);
  assert.throws(() => io.tcpSend(1, buf, 0, 1, out), {
    name: 'RangeError',
    message: 'tcpSend: fd 1 is not an open socket of the native data path',
  });
  assert.throws(() => io.closeSocket(0.5), {
    name: 'RangeError',
    message: 'closeSocket: fd must be an integer from 0 to 2147483647, got 0.5',
  });
  const fd = ours.fd;
  ours.close();
  assert.ok(ours.closed);
  assert.throws(() => io.tcpRecv(fd, buf, 1, 1, out), {
    name: 'RangeError',
    message: `tcpRecv: fd ${fd} is not an open socket of the native data path`,
  });
  ours.close(); // a second close is a no-op, never a close of a number reused since
  peer.destroy();
});

test('a state slot the previous call could not have left is refused, not used as an index or a cast', { skip }, async () => {
  const [ours, peer] = await nativeTcpPair(io);
  try {
    const request = Buffer.alloc(5);
    const lat = new Float64Array(4);
    const state = new Float64Array(6);
    state[1] = 1e9;
    assert.throws(() => io.tcpRrClient(ours.fd, request, 5, Buffer.alloc(5), 1, 1, state, lat, out), {
      name: 'RangeError',
      message: 'tcpRrClient: state[1] (request bytes sent) is 1e+09, outside 0..5 or not whole - was the state array shared or written to?',
    });
    state.fill(0);
    state[3] = NaN;
    assert.throws(() => io.tcpRrClient(ours.fd, request, 5, Buffer.alloc(5), 1, 1, state, lat, out), /state\[3\] \(sent at ns\) is nan/);
    const udpState = new Float64Array(11);
    udpState[5] = 1000;
    udpState[10] = 1;
    udpState[6] = Infinity;
    assert.throws(
      () => io.udpRrClient(ours.fd, request, 4, 1, 1, udpState, lat, out),
      /^RangeError: udpRrClient: state\[6\] \(largest timeout ms\) is inf, outside 1\.\.8\.64e\+07/,
    );
    // The smallest timeout comes from udp-rr-rules.ts: a state that never had it set is refused, not clamped to 0.
    udpState[6] = 2000;
    udpState[10] = 0;
    assert.throws(
      () => io.udpRrClient(ours.fd, request, 4, 1, 1, udpState, lat, out),
      /^RangeError: udpRrClient: state\[10\] \(smallest timeout ms\) is 0, outside 0\.001\.\.8\.64e\+07/,
    );
    const responderState = new Float64Array(5);
    responderState[0] = 5;
    assert.throws(
      () => io.tcpRrResponder(ours.fd, Buffer.alloc(3), 5, Buffer.alloc(5), 1, responderState, out),
      /state\[0\] \(bytes of the incomplete request\) is 5, outside 0\.\.4/,
    );
  } finally {
    ours.close();
    peer.destroy();
  }
});

test('a socket closed by the role is closed once, and its close listeners run once', { skip }, async () => {
  const [ours, peer] = await nativeTcpPair(io);
  let closes = 0;
  ours.onClose(() => closes++);
  const ended = new Promise<void>((resolve) => peer.on('end', resolve));
  peer.resume();
  ours.end();
  await ended;
  ours.close();
  ours.close();
  assert.equal(closes, 1);
  peer.destroy();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InterarrivalJitter } from '../runner/measure/interarrival-jitter.js';
import { UdpSequenceTracker } from '../runner/measure/udp-sequence-tracker.js';

function track(seqs: number[]): UdpSequenceTracker {
  const t = new UdpSequenceTracker();
  for (const s of seqs) t.record(s);
  return t;
}

test('in-order datagrams: nothing lost', () => {
  const t = track([0, 1, 2, 3, 4]);
  assert.deepEqual([t.received, t.lost, t.outOfOrder, t.duplicates], [5, 0, 0, 0]);
});

test('a gap counts as lost until the missing datagram arrives late', () => {
  const t = track([0, 1, 4, 5]);
  assert.deepEqual([t.received, t.lost], [4, 2]);
  t.record(2);
  assert.deepEqual([t.received, t.lost, t.outOfOrder], [5, 1, 1]);
});

test('a copy is a duplicate, not a second packet', () => {
  const t = track([0, 1, 1, 2, 0]);
  assert.deepEqual([t.received, t.lost, t.duplicates, t.outOfOrder], [3, 0, 2, 0]);
});

test('the duplicate window survives a jump far ahead', () => {
  const t = track([0, 1, 200_000, 200_001, 200_001]);
  assert.equal(t.duplicates, 1);
  assert.equal(t.lost, 200_002 - 4);
  // Sequence 2 is far behind the window: counted as out of order, not a duplicate.
  t.record(2);
  assert.equal(t.outOfOrder, 1);
});

test('RFC 3550 jitter: steady spacing gives zero, a 1 ms wobble converges towards it', () => {
  const steady = new InterarrivalJitter();
  for (let i = 0; i < 100; i++) steady.record(i * 10, i * 10 + 5);
  assert.equal(steady.jitterMs, 0);
  const wobbly = new InterarrivalJitter();
  for (let i = 0; i < 2000; i++) wobbly.record(i * 10, i * 10 + 5 + (i % 2));
  assert.ok(Math.abs(wobbly.jitterMs - 1) < 1e-6, `jitter ${wobbly.jitterMs}`);
});

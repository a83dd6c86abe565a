import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LATENCY_BUCKET_BOUNDS_US, latencyBuckets } from '../runner/measure/latency-buckets.js';
import { createLatencyHistogram, encodeHistogram } from '../runner/measure/latency-histogram.js';

function encoded(valuesUs: number[]): string {
  const h = createLatencyHistogram();
  for (const us of valuesUs) h.recordValue(us * 1000);
  return encodeHistogram(h);
}

test('bounds are 1-2-5 steps from 1 µs to 10 s', () => {
  assert.deepEqual(LATENCY_BUCKET_BOUNDS_US.slice(0, 6), [1, 2, 5, 10, 20, 50]);
  assert.equal(LATENCY_BUCKET_BOUNDS_US.at(-1), 1e7);
  assert.equal(LATENCY_BUCKET_BOUNDS_US.length, 22);
});

test('round trips land in the first bucket at or above them, counted cumulatively, across streams', () => {
  const b = latencyBuckets([encoded([15, 15, 30, 90]), encoded([150, 3000, 2e7])]);
  assert.ok(b);
  const at = (le: number) => b.counts[b.le_us.indexOf(le)];
  assert.equal(at(10), 0);
  assert.equal(at(20), 2);
  assert.equal(at(50), 3);
  assert.equal(at(100), 4);
  assert.equal(at(200), 5);
  assert.equal(at(5000), 6);
  assert.equal(at(1e7), 6, 'a 20 s round trip is above every bound: only in the total');
});

test('no round trips: no buckets', () => {
  assert.equal(latencyBuckets([encoded([])]), null);
  assert.equal(latencyBuckets([]), null);
});

test('a round trip of exactly a bound is in that bound bucket', () => {
  const b = latencyBuckets([encoded([20, 20, 1000])]);
  assert.ok(b);
  assert.equal(b.counts[b.le_us.indexOf(20)], 2);
  assert.equal(b.counts[b.le_us.indexOf(1000)], 3);
});

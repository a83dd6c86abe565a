import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_RTO_LIMIT_MS, MIN_RTO_MS, initialRtoMs, lateReplyWindowMs, maxRtoMs, nextRto } from '../runner/data/udp-rr-rules.js';

/** UDP_RR's timeout rules, one definition read by both data paths (the C loop gets them in state slots). */
test('UDP_RR timeout rules: RFC 6298 within the smallest and largest timeout, and the late-reply window after stop', () => {
  assert.equal(MIN_RTO_MS, 1);
  assert.deepEqual([initialRtoMs(30_000), initialRtoMs(2_000), initialRtoMs(500)], [1000, 1000, 500]);
  assert.deepEqual([maxRtoMs(30_000), maxRtoMs(10 * MAX_RTO_LIMIT_MS)], [30_000, 86_400_000]);
  // srtt + 4 * rttvar, never under 1 ms nor over the largest.
  assert.deepEqual([nextRto(10, 2.5, 30_000), nextRto(0.02, 0.01, 30_000), nextRto(900, 100, 1_000)], [20, 1, 1_000]);
  // At least 50 ms, else four timeouts.
  assert.deepEqual([lateReplyWindowMs(1), lateReplyWindowMs(12.5), lateReplyWindowMs(1000)], [50, 50, 4000]);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { repeatStatistics, studentT975, studentTCdf } from '../runner/measure/repeat-statistics.js';

/** Two-sided 95% critical values of Student's t, from the published table (six decimals). */
const T_TABLE: Array<[number, number]> = [
  [1, 12.706205],
  [2, 4.302653],
  [3, 3.182446],
  [4, 2.776445],
  [5, 2.570582],
  [6, 2.446912],
  [9, 2.262157],
  [10, 2.228139],
  [19, 2.093024],
  [29, 2.04523],
  [60, 2.000298],
  [120, 1.97993],
];

test('Student t critical values match the published table to six decimals', () => {
  for (const [df, t] of T_TABLE) assert.equal(Number(studentT975(df).toFixed(6)), t, `df ${df}`);
  // Many degrees of freedom approach the normal distribution's 1.959964.
  assert.equal(Number(studentT975(100000).toFixed(4)), 1.96);
});

test('the t distribution is symmetric and centred', () => {
  assert.equal(studentTCdf(0, 5), 0.5);
  assert.equal(Number(studentTCdf(2.015048, 5).toFixed(6)), 0.95);
  assert.equal(Number(studentTCdf(-2.015048, 5).toFixed(6)), 0.05);
});

test('mean and 95% interval across repeats: 10, 12, 14 gives 12 ± 4.302653 × 2/√3', () => {
  const s = repeatStatistics([10, 12, 14]);
  assert.equal(s.n, 3);
  assert.equal(s.mean, 12);
  assert.equal(s.stddev, 2);
  assert.equal(Number((s.ci95 as number).toFixed(6)), 4.968275);
  assert.equal(s.min, 10);
  assert.equal(s.max, 14);
});

test('five throughput repeats: a worked example with a known interval', () => {
  // mean 940, sample sd sqrt(((-2)^2+(-1)^2+0+1^2+2^2)/4) = sqrt(2.5); t(4) = 2.776445
  const s = repeatStatistics([938, 939, 940, 941, 942]);
  assert.equal(s.mean, 940);
  assert.equal(Number((s.ci95 as number).toFixed(4)), Number(((2.776445 * Math.sqrt(2.5)) / Math.sqrt(5)).toFixed(4)));
  assert.equal(Number((s.ci95 as number).toFixed(4)), 1.9632);
});

test('one value has no interval; identical values have a zero-width one', () => {
  assert.deepEqual(repeatStatistics([941.5]), { n: 1, mean: 941.5, ci95: null, min: 941.5, max: 941.5, stddev: null });
  assert.equal(repeatStatistics([5, 5, 5, 5]).ci95, 0);
  assert.throws(() => repeatStatistics([]), RangeError);
  assert.throws(() => studentT975(0), { message: 'degrees of freedom must be a whole number >= 1, got 0' });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration, parseRate, parseSize } from '../runner/core/units.js';
import { resolveParams } from '../runner/core/resolve-params.js';

test('durations read as seconds', () => {
  assert.equal(parseDuration('10s'), 10);
  assert.equal(parseDuration('500ms'), 0.5);
  assert.equal(parseDuration('2m'), 120);
  assert.equal(parseDuration('3'), 3);
  assert.equal(parseDuration(1.5), 1.5);
  assert.throws(() => parseDuration('10x'), {
    code: 'E_UNIT',
    message: "invalid duration '10x': write a number with a unit, such as 10s, 500ms or 2m",
  });
});

test('sizes read as bytes, and an ambiguous K is refused with both readings', () => {
  assert.equal(parseSize('1472'), 1472);
  assert.equal(parseSize('64KiB'), 65536);
  assert.equal(parseSize('1MB'), 1_000_000);
  assert.equal(parseSize('1MiB'), 1_048_576);
  assert.throws(() => parseSize('64K'), {
    code: 'E_UNIT',
    message: "ambiguous size '64K': write 64KiB (65536 bytes) or 64kB (64000 bytes)",
  });
  assert.throws(() => parseSize('1.5B'), { message: "invalid size '1.5B': must be a whole number of bytes" });
});

test('rates read as bits per second with SI prefixes', () => {
  assert.equal(parseRate('100M'), 100e6);
  assert.equal(parseRate('1G'), 1e9);
  assert.equal(parseRate('1.5Gbit'), 1.5e9);
  assert.equal(parseRate('500kbps'), 500e3);
  assert.equal(parseRate('0'), 0);
  assert.throws(() => parseRate('fast'), {
    message: "invalid rate 'fast': write bits per second, such as 100M, 1G or 500k (0 for unpaced)",
  });
});

test('test options resolve with seed defaults and cross-checks', () => {
  const tcp = resolveParams('tcp_stream', {});
  assert.equal(tcp.test, 'TCP_STREAM');
  assert.equal(tcp.size_bytes, 65536);
  assert.equal(tcp.duration_s, 10);
  assert.equal(resolveParams('UDP_STREAM', {}).size_bytes, 1472);
  const rr = resolveParams('UDP_RR', {});
  assert.equal(rr.request_size_bytes, 1);
  assert.equal(rr.response_size_bytes, 1);
  assert.throws(() => resolveParams('SCTP_STREAM', {}), {
    message: "unknown test 'SCTP_STREAM': choose one of TCP_STREAM, UDP_STREAM, TCP_RR, UDP_RR, TCP_CRR, RRUL",
  });
  assert.throws(() => resolveParams('TCP_STREAM', { duration: '2s', omit: '2s' }), {
    message: 'omit 2s leaves nothing to measure in a 2s run: make omit shorter than duration',
  });
  assert.throws(() => resolveParams('TCP_RR', { reverse: true }), {
    message: 'reverse does not apply to TCP_RR (only to TCP_STREAM and UDP_STREAM)',
  });
  assert.throws(() => resolveParams('TCP_STREAM', { rate: '1G' }), { message: 'rate does not apply to TCP_STREAM (only to UDP_STREAM)' });
  assert.throws(() => resolveParams('UDP_STREAM', { size: '9' }), {
    message: 'size must be at least 16 bytes, not 9 bytes: each datagram carries a 16-byte header',
  });
});

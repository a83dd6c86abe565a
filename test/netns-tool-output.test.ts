import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, summarizeSide } from './benchmark/benchmark-report.js';
import { readCpuSeconds, readMemoryKb } from './benchmark/proc-stats.js';
import { benchTestArgv } from './netns/bench-cli.js';
import { hostPort } from './netns/host.js';
import { iperf3ClientArgv, parseIperf3Json } from './netns/iperf3.js';
import { parseSockperf } from './netns/sockperf.js';

/**
 * The readers of the reference tools' output, fed output those tools really
 * printed (iperf3 3.12, sockperf 3.7). Needs nothing installed and no root:
 * if a parser is wrong, every comparison built on it is wrong.
 */

const ESC = '\x1b';
const SOCKPERF_OUTPUT = `sockperf: ${ESC}[2;35m== version #3.7-no.git == ${ESC}[0m
sockperf: Warmup stage (sending a few dummy messages)...
sockperf: Starting test...
sockperf: Test end (interrupted by timer)
sockperf: [Total Run] RunTime=1.001 sec; Warm up time=400 msec; SentMessages=56228; ReceivedMessages=56227
sockperf: ========= Printing statistics for Server No: 0
sockperf: [Valid Duration] RunTime=0.550 sec; SentMessages=31130; ReceivedMessages=31130
sockperf: ${ESC}[2;35m====> avg-latency=8.833 (std-dev=10.571)${ESC}[0m
sockperf: ---> percentile 99.000 =   28.288
sockperf: ---> percentile 90.000 =    8.811
sockperf: ---> percentile 50.000 =    8.070
`;

test('sockperf: round trips per second are ReceivedMessages over the valid duration, not the total run', () => {
  const r = parseSockperf(SOCKPERF_OUTPUT, 'sample');
  assert.equal(r.valid_runtime_s, 0.55);
  assert.equal(r.received, 31130);
  assert.equal(r.round_trips_per_sec, 31130 / 0.55);
  assert.equal(r.half_rtt_p50_us, 8.07);
  assert.equal(r.half_rtt_p99_us, 28.288);
});

test('sockperf: output without a valid-duration line is an error that shows the output', () => {
  assert.throws(
    () => parseSockperf('sockperf: ERROR: connect() failed\n', 'run x'),
    /run x: no '\[Valid Duration\].*\n.*connect\(\) failed/s,
  );
});

const IPERF3_TCP = JSON.stringify({
  intervals: [
    { sum: { seconds: 1, bytes: 12_000_000, bits_per_second: 96e6, omitted: true } },
    { sum: { seconds: 1, bytes: 11_900_000, bits_per_second: 95.2e6, omitted: false } },
    { sum: { seconds: 1, bytes: 11_950_000, bits_per_second: 95.6e6, omitted: false } },
  ],
  end: {
    sum_sent: { seconds: 2, bytes: 24_000_000, bits_per_second: 96e6 },
    sum_received: { seconds: 2.001, bytes: 23_850_000, bits_per_second: 95.35e6 },
  },
});

test('iperf3: the receiver figure comes from end.sum_received and omitted intervals are left out', () => {
  const r = parseIperf3Json(IPERF3_TCP, 'sample');
  assert.equal(r.receiver_mbps, 95.35);
  assert.equal(r.sender_mbps, 96);
  assert.equal(r.bytes_received, 23_850_000);
  assert.deepEqual(r.interval_mbps, [95.2, 95.6]);
  assert.equal(r.lost_percent, undefined);
});

test('iperf3: UDP loss and jitter are read from end.sum', () => {
  const json = JSON.parse(IPERF3_TCP) as { end: Record<string, unknown> };
  json.end.sum = { seconds: 4, bytes: 1, bits_per_second: 5e7, jitter_ms: 0.006, lost_packets: 159, packets: 16981, lost_percent: 0.936 };
  const r = parseIperf3Json(JSON.stringify(json), 'sample');
  assert.equal(r.lost_packets, 159);
  assert.equal(r.packets, 16981);
  assert.equal(r.lost_percent, 0.936);
});

test("iperf3: an 'error' in its JSON becomes an error naming the run", () => {
  const text = JSON.stringify({ start: {}, intervals: [], end: {}, error: 'unable to connect to server: Connection refused' });
  assert.throws(
    () => parseIperf3Json(text, 'run y'),
    /^Error: run y: iperf3 reported an error: unable to connect to server: Connection refused$/,
  );
});

test('argv: sizes and durations are written in units our CLI and iperf3 accept', () => {
  assert.deepEqual(
    iperf3ClientArgv({ server: '10.77.0.2', port: 5201, duration_s: 4, omit_s: 1, udp: true, bitrate: '50M', length_bytes: 1472 }),
    ['iperf3', '-c', '10.77.0.2', '-p', '5201', '-t', '4', '-J', '-O', '1', '-u', '-b', '50M', '-l', '1472'],
  );
  const ours = benchTestArgv({ test: 'TCP_STREAM', peer: hostPort('::1', 7575), duration_s: 4, omit_s: 1, size_bytes: 65536 });
  assert.deepEqual(ours.slice(2), [
    'test',
    'TCP_STREAM',
    '--peer',
    '[::1]:7575',
    '--duration',
    '4s',
    '--json',
    '--omit',
    '1s',
    '--size',
    '65536',
  ]);
});

test('benchmark: medians of odd and even counts, and CPU per GB from bytes received', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  const side = summarizeSide('ours', 'cmd', [
    { value: 10, bytes_received: 2e9, client_cpu_s: 1, server_cpu_s: 3, client_peak_rss_kb: 50_000 },
    { value: 30, bytes_received: 1e9, client_cpu_s: 1, server_cpu_s: 1, client_peak_rss_kb: 60_000 },
    { value: 20, bytes_received: 4e9, client_cpu_s: 1, server_cpu_s: 4, client_peak_rss_kb: 55_000 },
  ]);
  assert.equal(side?.median, 20);
  assert.equal(side?.client_cpu_s_per_gb, 0.5); // 0.5, 1, 0.25
  assert.equal(side?.server_cpu_s_per_gb, 1); // 1.5, 1, 1
  assert.equal(side?.client_peak_rss_kb, 60_000);
});

test('proc stats: this process has used CPU and has a peak RSS at least its current RSS', {
  skip: process.platform !== 'linux' && 'reads /proc (Linux only)',
}, () => {
  const spinUntil = Date.now() + 50;
  while (Date.now() < spinUntil) {
    // burn CPU so utime is certainly above zero ticks
  }
  assert.ok(readCpuSeconds(process.pid) > 0, 'utime+stime of this process is 0 after spinning 50 ms');
  const mem = readMemoryKb(process.pid);
  assert.ok(mem.rss_kb > 10_000 && mem.peak_rss_kb >= mem.rss_kb, `VmRSS ${mem.rss_kb} kB, VmHWM ${mem.peak_rss_kb} kB`);
});

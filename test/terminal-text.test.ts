import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatHostPort } from '../runner/core/host-port.js';
import { formatDurationExact, formatSizeExact } from '../runner/core/units.js';
import { DEFAULT_SERVER_LIMITS } from '../runner/core/defaults.js';
import { resolveParams } from '../runner/core/resolve-params.js';
import { checkRequestLimits } from '../runner/server/request-limits.js';
import { checkFigure } from '../runner/scenario/expectations.js';
import { ScenarioProgress } from '../runner/cli/scenario-output/progress-line.js';
import { planLines } from '../runner/cli/scenario-output/plan-listing.js';
import { palette } from '../runner/cli/color.js';
import { parseScenario } from '../runner/scenario/load-scenario.js';

/** Issue 16: text that says what was written, in the units it was written in. */

test('a limit reads in the largest exact unit: 2h, not 7200s; 16MiB, not 16777216 bytes', () => {
  assert.deepEqual([7200, 3600, 5400, 3601, 120, 90, 10, 1.5, 0.2].map(formatDurationExact), [
    '2h',
    '1h',
    '90m',
    '3601s',
    '2m',
    '90s',
    '10s',
    '1.5s',
    '200ms',
  ]);
  assert.deepEqual([16 * 1024 ** 2, 2048, 1025, 1_000_000, 1000, 3 * 1024 ** 3].map(formatSizeExact), [
    '16MiB',
    '2KiB',
    '1025 bytes',
    '1MB',
    '1000 bytes',
    '3GiB',
  ]);
});

test('the server refuses a 2h run against its 1h limit in hours, and a size in KiB/MiB', () => {
  const refusal = (options: Record<string, string | number>, limits = DEFAULT_SERVER_LIMITS): string => {
    try {
      checkRequestLimits(resolveParams('TCP_STREAM', options), limits);
    } catch (err) {
      return (err as Error).message;
    }
    return 'accepted';
  };
  assert.equal(refusal({ duration: '2h' }), "duration 2h exceeds this server's limit of 1h (bench serve --max-duration)");
  assert.equal(
    refusal({ duration: '1s', size: '32MiB' }),
    "message size 32MiB exceeds this server's limit of 16MiB (bench serve --max-size)",
  );
  assert.equal(refusal({ duration: '1h' }), 'accepted');
});

test('an IPv6 peer is written in brackets wherever a host:port is printed', () => {
  assert.equal(formatHostPort('::1', 7575), '[::1]:7575');
  assert.equal(formatHostPort('fe80::1%eth0', 7575), '[fe80::1%eth0]:7575');
  assert.equal(formatHostPort('192.0.2.10', 7575), '192.0.2.10:7575');
  const loaded = parseScenario(
    'v6.yaml',
    'name: v6\npeers:\n  far: { host: "::1", port: 7601 }\nruns:\n  - { test: TCP_RR, peer: far }\n',
    { env: {} },
  );
  assert.match(planLines(loaded)[0], /→ \[::1\]:7601$/);
});

test('did you mean suggests only figures the test produces', () => {
  // Before: 'did you mean loss_percent?', a figure TCP_STREAM does not produce.
  assert.equal(
    checkFigure('TCP_STREAM', 'los_percent'),
    "unknown figure 'los_percent' for TCP_STREAM: its figures are throughput_mbps, upload_mbps, download_mbps, sender_mbps, rtt_ms, rttvar_ms, cwnd_bytes, retransmits, pmtu, snd_mss_bytes, rcv_mss_bytes, bytes_sent and bytes_received",
  );
  assert.equal(checkFigure('UDP_STREAM', 'los_percent'), "unknown figure 'los_percent' for UDP_STREAM: did you mean 'loss_percent'?");
});

test('pause: 200ms is shown as 200ms, not rounded to 0s', () => {
  const loaded = parseScenario('p.yaml', 'name: p\ndefaults: { duration: 1s, pause: 200ms }\nruns:\n  - test: TCP_RR\n  - test: UDP_RR\n', {
    env: {},
  });
  assert.equal(loaded.groups[0].pause_s, 0.2);
  for (const live of [false, true]) {
    const written: string[] = [];
    const progress = new ScenarioProgress({ write: (t: string) => written.push(t), columns: 80 }, live, palette(false), loaded.runs);
    progress.pausing(loaded.groups[0].pause_s);
    assert.equal(written.join(''), live ? '\r\x1b[2Kpause 200ms' : 'pause 200ms\n');
  }
});

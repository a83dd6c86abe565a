import type { WireParamValues } from './params.js';

export const TEST_NAMES = ['TCP_STREAM', 'UDP_STREAM', 'TCP_RR', 'UDP_RR', 'TCP_CRR', 'RRUL'] as const;
export type TestName = (typeof TEST_NAMES)[number];

/**
 * What one run measures, with every value resolved to a number in a named
 * unit: the `params` of a run object and of TEST_REQUEST, which `bench test`
 * options and scenario run keys resolve to. The test, and one field
 * per parameter declared with a `field` in params.ts (duration_s, size_bytes,
 * ...), typed by its kind. Declaring a parameter there adds its field here.
 */
export type TestParams = { test: TestName } & WireParamValues;

export function isTestName(s: string): s is TestName {
  return (TEST_NAMES as readonly string[]).includes(s);
}

export function isStreamTest(test: TestName): test is 'TCP_STREAM' | 'UDP_STREAM' {
  return test === 'TCP_STREAM' || test === 'UDP_STREAM';
}

export function isUdpTest(test: TestName): test is 'UDP_STREAM' | 'UDP_RR' {
  return test === 'UDP_STREAM' || test === 'UDP_RR';
}

/**
 * The data connections of a test: one per stream, or with bidir two, the
 * client's sending ones (0 .. streams-1) before the server's (streams ..
 * 2*streams-1); RRUL's lanes (dataLanes). Every worker, data port and stream
 * report is one connection.
 */
export function connectionCount(p: Pick<TestParams, 'test' | 'streams' | 'bidir' | 'direction'>): number {
  return dataLanes(p).length;
}

/** STREAM tests: whether the client sends on data connection `connection` (the server sends on the others). */
export function clientSends(p: Pick<TestParams, 'streams' | 'bidir' | 'reverse'>, connection: number): boolean {
  return p.bidir === true ? connection < p.streams : !p.reverse;
}

/**
 * Request/response tests, whose figures the client counts: TCP_RR and UDP_RR
 * on one connection, TCP_CRR (netperf's connect/request/response) with a new
 * TCP connection per transaction.
 */
export function isRrTest(test: TestName): test is 'TCP_RR' | 'UDP_RR' | 'TCP_CRR' {
  return test === 'TCP_RR' || test === 'UDP_RR' || test === 'TCP_CRR';
}

/** RRUL's loaded directions: up (client to server), down, or both at once. */
export const RRUL_DIRECTIONS = ['up', 'down', 'both'] as const;

/**
 * What one data connection of a run carries: a STREAM or RR test's stream,
 * or in RRUL the probe flow (UDP) and the TCP streams up (the client sends)
 * and down (the server sends).
 */
export type DataLane = 'stream' | 'probe' | 'up' | 'down';

/**
 * A run's data connections in the order of their data ports: `streams` of
 * them (twice that with bidir, clientSends says which way each goes), or for RRUL the probe first, then `streams` up, then `streams` down
 * (as `direction` asks).
 */
export function dataLanes(p: Pick<TestParams, 'test' | 'streams' | 'bidir' | 'direction'>): DataLane[] {
  if (p.test !== 'RRUL') return Array.from({ length: p.bidir === true ? 2 * p.streams : p.streams }, () => 'stream' as const);
  const up = p.direction !== 'down' ? Array.from({ length: p.streams }, () => 'up' as const) : [];
  const down = p.direction !== 'up' ? Array.from({ length: p.streams }, () => 'down' as const) : [];
  return ['probe', ...up, ...down];
}

/** How many probes an RRUL run sends: one every probe_interval_s over its idle, load and drain phases. */
export function rrulProbeCount(p: Pick<TestParams, 'test' | 'duration_s' | 'idle_s' | 'probe_interval_s'>): number {
  return Math.round(runSpan(p) / p.probe_interval_s);
}

/**
 * How many leading intervals --omit leaves out of the summary: --omit rounded
 * up to whole intervals (a tolerance keeps 0.3s / 0.1s at 3). The data threads
 * take their omit sample at this boundary; 0 is nothing omitted.
 */
export function omittedIntervalCount(params: Pick<TestParams, 'omit_s' | 'interval_s'>): number {
  return params.omit_s > 0 ? Math.ceil(params.omit_s / params.interval_s - 1e-9) : 0;
}

/** Seconds from START to the end of the run: RRUL's idle, load and drain phases, the duration otherwise. */
export function runSpan(p: Pick<TestParams, 'test' | 'duration_s' | 'idle_s'>): number {
  return p.test === 'RRUL' ? p.duration_s + 2 * p.idle_s : p.duration_s;
}

import type { WireParamValues } from './params.js';

export const TEST_NAMES = ['TCP_STREAM', 'UDP_STREAM', 'TCP_RR', 'UDP_RR', 'TCP_CRR'] as const;
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
 * 2*streams-1). Every worker, data port and stream report is one connection.
 */
export function connectionCount(p: Pick<TestParams, 'streams' | 'bidir'>): number {
  return p.bidir === true ? 2 * p.streams : p.streams;
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

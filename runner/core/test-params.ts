/**
 * What one run measures, with every value resolved to a number in a named unit.
 * These are the `params` of a run object; `bench test` options and scenario run
 * keys resolve to this shape.
 */
export const TEST_NAMES = ['TCP_STREAM', 'UDP_STREAM', 'TCP_RR', 'UDP_RR'] as const;
export type TestName = (typeof TEST_NAMES)[number];

export interface TestParams {
  test: TestName;
  /** How long the sender sends (STREAM) or the client keeps transactions going (RR). */
  duration_s: number;
  /** Length of one reporting interval. */
  interval_s: number;
  /** Seconds at the start left out of the summary, rounded up to whole intervals. */
  omit_s: number;
  /** STREAM tests: bytes per write (TCP) or per datagram (UDP). */
  size_bytes: number;
  /** RR tests: bytes per request and per response. */
  request_size_bytes: number;
  response_size_bytes: number;
  /** UDP_STREAM pacing target in bit/s over the UDP payload; 0 sends unpaced. */
  rate_bps: number;
  /** Parallel data connections, each in its own worker thread. */
  streams: number;
  /** STREAM tests: the server sends and the client receives. */
  reverse: boolean;
  /** Silence on a socket longer than this declares the peer dead. */
  timeout_s: number;
}

export function isTestName(s: string): s is TestName {
  return (TEST_NAMES as readonly string[]).includes(s);
}

export function isStreamTest(test: TestName): test is 'TCP_STREAM' | 'UDP_STREAM' {
  return test === 'TCP_STREAM' || test === 'UDP_STREAM';
}

export function isUdpTest(test: TestName): test is 'UDP_STREAM' | 'UDP_RR' {
  return test === 'UDP_STREAM' || test === 'UDP_RR';
}

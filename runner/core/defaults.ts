import type { TestName, TestParams } from './test-params.js';

/** Every default in one place (seed values: 64 KiB TCP writes, 1472-byte datagrams, 1-byte RR, 10 s). */
export const DEFAULT_PORT = 7575;
export const DEFAULT_HOST = '::';
export const DEFAULT_TIMEOUT_S = 30;

export const DEFAULT_STREAM_SIZE: Record<'TCP_STREAM' | 'UDP_STREAM', number> = {
  TCP_STREAM: 64 * 1024,
  UDP_STREAM: 1472,
};

/** Largest UDP payload over IPv4 (65535 - 20 IP - 8 UDP). */
export const MAX_UDP_PAYLOAD = 65507;
/** Smallest datagram that holds our UDP header (sequence number and send time). */
export const MIN_UDP_STREAM_SIZE = 16;

export function defaultParams(test: TestName): TestParams {
  return {
    test,
    duration_s: 10,
    interval_s: 1,
    omit_s: 0,
    size_bytes: test === 'TCP_STREAM' || test === 'UDP_STREAM' ? DEFAULT_STREAM_SIZE[test] : 0,
    request_size_bytes: 1,
    response_size_bytes: 1,
    rate_bps: 0,
    streams: 1,
    reverse: false,
    timeout_s: DEFAULT_TIMEOUT_S,
  };
}

/** Server-side limits; a request beyond one is refused with the limit named. */
export interface ServerLimits {
  max_duration_s: number;
  max_streams: number;
  max_size_bytes: number;
  max_rate_bps: number;
  allowed_tests: TestName[];
  max_queue: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  max_duration_s: 3600,
  max_streams: 64,
  max_size_bytes: 16 * 1024 * 1024,
  max_rate_bps: 0,
  allowed_tests: ['TCP_STREAM', 'UDP_STREAM', 'TCP_RR', 'UDP_RR'],
  max_queue: 16,
};

/** How long a UDP receiver keeps listening after the sender stopped, for datagrams in flight. */
export const UDP_DRAIN_S = 0.25;

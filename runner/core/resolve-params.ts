import { MAX_UDP_PAYLOAD, MIN_UDP_STREAM_SIZE, defaultParams } from './defaults.js';
import { UsageError } from './errors.js';
import { isStreamTest, isTestName, TEST_NAMES, type TestParams } from './test-params.js';
import { parseCount, parseDuration, parseRate, parseSize } from './units.js';

/**
 * User-facing option keys (the `bench test` options in snake_case, as in
 * scenario files), with the units a person writes.
 */
export interface RawTestOptions {
  duration?: string | number;
  interval?: string | number;
  omit?: string | number;
  size?: string | number;
  request_size?: string | number;
  response_size?: string | number;
  rate?: string | number;
  streams?: string | number;
  reverse?: boolean;
  timeout?: string | number;
}

export const RAW_OPTION_KEYS: readonly (keyof RawTestOptions)[] = [
  'duration', 'interval', 'omit', 'size', 'request_size', 'response_size', 'rate', 'streams', 'reverse', 'timeout',
];

export function parseTestName(name: string): TestParams['test'] {
  const upper = name.toUpperCase();
  if (!isTestName(upper)) throw new UsageError(`unknown test '${name}': choose one of ${TEST_NAMES.join(', ')}`);
  return upper;
}

/** Resolves options to TestParams, with an error naming the option for every bad value. */
export function resolveParams(testName: string, raw: RawTestOptions): TestParams {
  const test = parseTestName(testName);
  const p = defaultParams(test);
  if (raw.duration !== undefined) p.duration_s = parseDuration(raw.duration, 'duration');
  if (raw.interval !== undefined) p.interval_s = parseDuration(raw.interval, 'interval');
  if (raw.omit !== undefined) p.omit_s = parseDuration(raw.omit, 'omit');
  if (raw.timeout !== undefined) p.timeout_s = parseDuration(raw.timeout, 'timeout');
  if (raw.size !== undefined) p.size_bytes = parseSize(raw.size, 'size');
  if (raw.request_size !== undefined) p.request_size_bytes = parseSize(raw.request_size, 'request size');
  if (raw.response_size !== undefined) p.response_size_bytes = parseSize(raw.response_size, 'response size');
  if (raw.rate !== undefined) p.rate_bps = parseRate(raw.rate, 'rate');
  if (raw.streams !== undefined) p.streams = parseCount(raw.streams, 'streams');
  if (raw.reverse !== undefined) p.reverse = Boolean(raw.reverse);
  checkParams(p, raw);
  return p;
}

export function checkParams(p: TestParams, raw: RawTestOptions = {}): void {
  if (p.duration_s <= 0) throw new UsageError('duration must be greater than 0');
  if (p.interval_s <= 0) throw new UsageError('interval must be greater than 0');
  if (p.interval_s < 0.1) throw new UsageError(`interval ${p.interval_s}s is too short: use 100ms or more`);
  if (p.omit_s >= p.duration_s) throw new UsageError(`omit (${p.omit_s}s) must be shorter than duration (${p.duration_s}s)`);
  if (p.timeout_s < 1) throw new UsageError(`timeout ${p.timeout_s}s is too short: use 1s or more`);
  if (p.streams < 1) throw new UsageError('streams must be at least 1');
  if (p.streams > 128) throw new UsageError(`streams ${p.streams} is more than 128: each stream is a thread on both hosts`);
  if (p.test === 'TCP_STREAM' && p.size_bytes < 1) throw new UsageError('size must be at least 1 byte');
  if (p.test === 'UDP_STREAM' && (p.size_bytes < MIN_UDP_STREAM_SIZE || p.size_bytes > MAX_UDP_PAYLOAD)) {
    throw new UsageError(`UDP_STREAM size ${p.size_bytes} is out of range: use ${MIN_UDP_STREAM_SIZE} to ${MAX_UDP_PAYLOAD} bytes (1472 fits a 1500-byte Ethernet MTU)`);
  }
  if (!isStreamTest(p.test)) {
    if (raw.size !== undefined) throw new UsageError(`size applies to STREAM tests; ${p.test} takes request_size and response_size`);
    if (p.reverse) throw new UsageError(`reverse applies to STREAM tests only, not ${p.test}`);
    if (p.request_size_bytes < 1 || p.response_size_bytes < 1) throw new UsageError('request and response sizes must be at least 1 byte');
    if (p.test === 'UDP_RR' && Math.max(p.request_size_bytes, p.response_size_bytes) > MAX_UDP_PAYLOAD) {
      throw new UsageError(`UDP_RR messages must be at most ${MAX_UDP_PAYLOAD} bytes`);
    }
  }
  if (p.rate_bps > 0 && p.test !== 'UDP_STREAM') throw new UsageError(`rate applies to UDP_STREAM only, not ${p.test}`);
  if (p.rate_bps > 0 && p.rate_bps < p.size_bytes * 8) {
    throw new UsageError(`rate ${p.rate_bps} bit/s is less than one ${p.size_bytes}-byte datagram per second`);
  }
}

import type { ServerLimits } from '../core/defaults.js';
import { RefusedError } from '../core/errors.js';
import { formatDurationExact, formatRate, formatSizeExact } from '../core/units.js';
import { type TestParams, connectionCount } from '../core/test-params.js';

/** Refuses a request beyond one of the server's limits, naming the limit and its value. */
export function checkRequestLimits(params: TestParams, limits: ServerLimits): void {
  if (!limits.allowed_tests.includes(params.test)) {
    throw new RefusedError(
      `this server does not allow ${params.test} (allowed: ${limits.allowed_tests.join(', ')}; see bench serve --allow)`,
    );
  }
  if (params.duration_s > limits.max_duration_s) {
    throw new RefusedError(
      `duration ${formatDurationExact(params.duration_s)} exceeds this server's limit of ${formatDurationExact(limits.max_duration_s)} (bench serve --max-duration)`,
    );
  }
  if (params.streams < 1 || params.streams > limits.max_streams) {
    throw new RefusedError(`${params.streams} streams exceeds this server's limit of ${limits.max_streams} (bench serve --max-streams)`);
  }
  if (connectionCount(params) > limits.max_streams) {
    throw new RefusedError(
      `bidir with ${params.streams} streams opens ${connectionCount(params)} data connections, beyond this server's limit of ${limits.max_streams} (bench serve --max-streams)`,
    );
  }
  const size = Math.max(params.size_bytes, params.request_size_bytes, params.response_size_bytes);
  if (size > limits.max_size_bytes) {
    throw new RefusedError(
      `message size ${formatSizeExact(size)} exceeds this server's limit of ${formatSizeExact(limits.max_size_bytes)} (bench serve --max-size)`,
    );
  }
  if (limits.max_rate_bps > 0 && params.test === 'UDP_STREAM' && (params.rate_bps === 0 || params.rate_bps > limits.max_rate_bps)) {
    const asked = params.rate_bps === 0 ? 'an unpaced rate' : formatRate(params.rate_bps);
    throw new RefusedError(`${asked} exceeds this server's UDP limit of ${formatRate(limits.max_rate_bps)} (bench serve --max-rate)`);
  }
  if (params.interval_s <= 0 || params.duration_s <= 0) {
    throw new RefusedError('duration and interval must be greater than zero');
  }
}

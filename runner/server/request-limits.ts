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
  // The limit is on what a run holds open at once: each data connection is a worker thread and a socket here.
  const connections = connectionCount(params);
  if (params.streams < 1 || connections > limits.max_streams) {
    throw new RefusedError(
      `${connectionsText(params, connections)}exceeds this server's limit of ${limits.max_streams} (bench serve --max-streams)`,
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

/** `3 streams `, or what a run of several connections per stream opens: `RRUL with 4 streams each way opens 9 data connections (...), `. */
function connectionsText(params: TestParams, connections: number): string {
  if (params.test === 'RRUL') {
    const each = params.direction === 'both' ? 'each way' : params.direction;
    const lanes = params.direction === 'both' ? `${params.streams} up, ${params.streams} down` : `${params.streams} ${params.direction}`;
    return `RRUL with ${params.streams} streams ${each} opens ${connections} data connections (${lanes} and the probe flow), which `;
  }
  if (connections !== params.streams) return `bidir with ${params.streams} streams opens ${connections} data connections, which `;
  return `${params.streams} streams `;
}

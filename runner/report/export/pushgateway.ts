import http from 'node:http';
import { UsageError } from '../../core/errors.js';
import https from 'node:https';

/**
 * Pushes one run's metrics to a Prometheus Pushgateway: PUT to
 * /metrics/job/<scenario>/label@base64/<run label>, so each expanded run is
 * its own group and a later push of the same run replaces the earlier one.
 * Values in the path are base64url (the gateway's `@base64` form), so a label
 * holding `/` or spaces cannot change the path.
 *
 * A push that fails rejects with a PushError saying where and why; callers
 * record it and go on: a monitoring outage never fails a benchmark.
 */
export class PushError extends Error {
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(message);
    this.name = 'PushError';
  }
}

export interface PushTarget {
  /** The gateway's base URL, such as http://pushgateway:9091 */
  url: string;
  /** Each request's limit; the gateway is on the side of the benchmark, not in its path. */
  timeoutMs?: number;
}

/** Checks a --push URL before any run starts: a typo is a usage error (exit 2), not 40 failed pushes. */
export function parsePushUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--push '${text}' is not a URL: give the Pushgateway's address, such as http://pushgateway:9091`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--push '${text}' must be an http:// or https:// URL of a Prometheus Pushgateway`);
  }
  if (url.search || url.hash) throw new UsageError(`--push '${text}' must not carry a query or a fragment`);
  return url;
}

function groupingPath(job: string, grouping: Record<string, string>): string {
  const segments = [`job@base64/${base64url(job)}`];
  for (const [name, value] of Object.entries(grouping)) segments.push(`${name}@base64/${base64url(value)}`);
  return `/metrics/${segments.join('/')}`;
}

/** PUTs `body` (Prometheus text format 0.0.4) to the group; resolves when the gateway accepted it. */
export function pushMetrics(target: PushTarget, job: string, grouping: Record<string, string>, body: string): Promise<void> {
  const base = parsePushUrl(target.url);
  const url = new URL(base.pathname.replace(/\/+$/, '') + groupingPath(job, grouping), base);
  const where = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'PUT',
        headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) },
        timeout: target.timeoutMs ?? 5000,
      },
      (response) => {
        let answer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (answer.length < 500) answer += chunk;
        });
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new PushError(`Pushgateway ${where} refused the metrics: HTTP ${status} ${answer.trim().slice(0, 200)}`, where));
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${(target.timeoutMs ?? 5000) / 1000}s`)));
    request.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ECONNREFUSED' ? 'connection refused - is the Pushgateway running there?' : err.message;
      reject(new PushError(`cannot push metrics to ${where}: ${why}`, where));
    });
    request.end(body);
  });
}

function base64url(value: string): string {
  // The gateway reads an empty value as '=' in its base64 form.
  return value === '' ? '=' : Buffer.from(value, 'utf8').toString('base64url');
}

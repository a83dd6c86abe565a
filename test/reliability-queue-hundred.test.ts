import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTestOrEmbedded as runTest } from '../runner/cli/local-run.js';
import { resolveParams } from '../runner/core/resolve-params.js';
import { startTestServer } from './helpers/in-process-server.js';

/**
 * A hundred clients at once against one server with --max-queue 100: every
 * one is served, one at a time, in arrival order. Its own file: at about
 * half a second a test (0.2s of test, the rest starting and ending worker
 * threads on both sides) it is the longest reliability test.
 */
test('100 clients queued at once are all served, one at a time, in the order they arrived', async () => {
  const s = await startTestServer({ timeout_s: 30, limits: { max_queue: 100 } });
  try {
    const peer = { host: '127.0.0.1', port: s.port };
    const firstPosition: number[] = new Array(100).fill(0);
    const startedAt: number[] = new Array(100).fill(0);
    const runs = Array.from({ length: 100 }, (_, i) =>
      runTest({
        params: resolveParams('TCP_RR', { duration: '100ms', interval: '100ms' }),
        peer,
        onEvent: (e) => {
          if (e.type === 'queued' && firstPosition[i] === 0) firstPosition[i] = e.position;
          if (e.type === 'started') startedAt[i] = performance.now();
        },
      }),
    );
    const results = await Promise.all(runs);
    const failed = results.filter((r) => r.status !== 'ok');
    assert.deepEqual(
      failed.map((r) => r.error),
      [],
    );
    await s.waitForTests(100);
    // Exactly one client never waited; the others were told positions 1 to 99.
    assert.deepEqual(
      [...firstPosition].sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    // Served in arrival order: ordered by when they started, their first positions count up.
    const byStart = startedAt
      .map((t, i) => ({ t, i }))
      .sort((a, b) => a.t - b.t)
      .map(({ i }) => firstPosition[i]);
    assert.deepEqual(
      byStart,
      Array.from({ length: 100 }, (_, i) => i),
    );
    // The server agrees: it started them in the order it queued them.
    const starts = s.log.events.filter((e) => e.event === 'start').map((e) => e.fields.client);
    const queued = s.log.events.filter((e) => e.event === 'queued').map((e) => e.fields.client);
    assert.equal(queued.length, 99);
    assert.deepEqual(starts.slice(1), queued);
    // And never two tests at once.
    const sequence = s.log.events.filter((e) => e.event === 'start' || e.event === 'test').map((e) => e.event);
    assert.deepEqual(
      sequence,
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 'start' : 'test')),
    );
  } finally {
    await s.close();
  }
});

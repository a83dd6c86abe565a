import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTestOrEmbedded as runTest } from '../runner/cli/local-run.js';
import { resolveParams } from '../runner/core/resolve-params.js';
import type { RunEvent } from '../runner/core/run-events.js';
import { type LoggedEvent, startTestServer } from './helpers/in-process-server.js';
import { waitUntil } from './helpers/raw-control.js';

/**
 * Clients that arrive while the server is busy wait their turn. Each client is
 * started once the server has taken in the one before it (its start or its
 * place in the queue), so the arrival order is known without timed pauses.
 */

test('two clients started together both finish, the second after being told it was queued, never overlapping', async () => {
  const s = await startTestServer({ timeout_s: 10 });
  try {
    const peer = { host: '127.0.0.1', port: s.port };
    const events: Record<string, RunEvent[]> = { a: [], b: [] };
    let aStarted!: () => void;
    const aRunning = new Promise<void>((resolve) => (aStarted = resolve));
    const a = runTest({
      params: resolveParams('TCP_STREAM', { duration: '1500ms' }),
      peer,
      onEvent: (e) => {
        events.a.push(e);
        if (e.type === 'started') aStarted();
      },
    });
    // B connects while A holds the server: A has started its 1.5 s of data.
    await Promise.race([aRunning, a]);
    const b = runTest({ params: resolveParams('UDP_RR', { duration: '1s' }), peer, onEvent: (e) => events.b.push(e) });
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.status, 'ok', JSON.stringify(ra.error));
    assert.equal(rb.status, 'ok', JSON.stringify(rb.error));
    assert.deepEqual(
      events.b.filter((e) => e.type === 'queued'),
      [{ type: 'queued', position: 1 }],
    );
    assert.equal(
      events.a.some((e) => e.type === 'queued'),
      false,
      'the first client never waits',
    );
    // On the server: A starts, A ends, then B starts, B ends.
    await s.waitForTests(2);
    const order = s.log.events.filter((e) => e.event === 'start' || e.event === 'test').map((e) => `${e.event}:${e.fields.test}`);
    assert.deepEqual(order, ['start:TCP_STREAM', 'test:TCP_STREAM', 'start:UDP_RR', 'test:UDP_RR']);
    assert.equal(s.server.testsServed, 2);
  } finally {
    await s.close();
  }
});

/** Clients the server has started or queued so far (a queued client is logged again when it starts). */
function arrived(events: LoggedEvent[]): number {
  return new Set(events.filter((e) => e.event === 'start' || e.event === 'queued').map((e) => e.fields.client)).size;
}

test('five clients at once are served one at a time, in the order they arrived', async () => {
  const s = await startTestServer({ timeout_s: 10 });
  try {
    const peer = { host: '127.0.0.1', port: s.port };
    const runs = [];
    for (let i = 0; i < 5; i++) {
      runs.push(runTest({ params: resolveParams('TCP_RR', { duration: '300ms', interval: '300ms' }), peer }));
      // The next one arrives after the server has taken this one in: started it, or given it its place.
      await waitUntil(() => arrived(s.log.events) > i, 5000, `the server takes in client ${i + 1}`);
    }
    const results = await Promise.all(runs);
    await s.waitForTests(5);
    assert.deepEqual(
      results.map((r) => r.status),
      ['ok', 'ok', 'ok', 'ok', 'ok'],
    );
    const starts = s.log.events.filter((e) => e.event === 'start').map((e) => e.fields.client);
    const queued = s.log.events.filter((e) => e.event === 'queued').map((e) => e.fields.client);
    assert.equal(starts.length, 5);
    assert.deepEqual(starts.slice(1), queued, 'served in the order they queued');
    const sequence = s.log.events.filter((e) => e.event === 'start' || e.event === 'test').map((e) => e.event);
    assert.deepEqual(sequence, ['start', 'test', 'start', 'test', 'start', 'test', 'start', 'test', 'start', 'test']);
  } finally {
    await s.close();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTestOrEmbedded as runTest } from '../../runner/cli/local-run.js';
import { resolveParams } from '../../runner/core/resolve-params.js';
import type { RunEvent } from '../../runner/core/run-events.js';
import { startBenchServer } from '../../runner/server/bench-server.js';
import type { ServerLog } from '../../runner/server/server-log.js';

/** A log that keeps every event in order, to see what the server did when. */
/** The server logs a test's end after freeing its workers, a moment after the client has its result. */
async function waitForEvents(log: { events: Array<{ event: string }> }, event: string, count: number): Promise<void> {
  const until = Date.now() + 5000;
  while (log.events.filter((e) => e.event === event).length < count) {
    if (Date.now() > until) throw new Error(`the server logged fewer than ${count} '${event}' events`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function recordingLog(): ServerLog & { events: Array<{ event: string; fields: Record<string, unknown> }> } {
  const events: Array<{ event: string; fields: Record<string, unknown> }> = [];
  return { events, info: (event, fields) => events.push({ event, fields }) };
}

test('two clients started together both finish, the second after being told it was queued, never overlapping', async () => {
  const log = recordingLog();
  const server = await startBenchServer({ host: '127.0.0.1', port: 0, timeout_s: 10, log });
  try {
    const peer = { host: '127.0.0.1', port: server.address.port };
    const events: Record<string, RunEvent[]> = { a: [], b: [] };
    const a = runTest({ params: resolveParams('TCP_STREAM', { duration: '1500ms' }), peer, onEvent: (e) => events.a.push(e) });
    // B connects while A holds the server.
    await new Promise((r) => setTimeout(r, 300));
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
    await waitForEvents(log, 'test', 2);
    const order = log.events.filter((e) => e.event === 'start' || e.event === 'test').map((e) => `${e.event}:${e.fields.test}`);
    assert.deepEqual(order, ['start:TCP_STREAM', 'test:TCP_STREAM', 'start:UDP_RR', 'test:UDP_RR']);
    assert.equal(server.testsServed, 2);
  } finally {
    await server.close();
  }
});

test('five clients at once are served one at a time, in the order they arrived', async () => {
  const log = recordingLog();
  const server = await startBenchServer({ host: '127.0.0.1', port: 0, timeout_s: 10, log });
  try {
    const peer = { host: '127.0.0.1', port: server.address.port };
    const runs = [];
    for (let i = 0; i < 5; i++) {
      runs.push(runTest({ params: resolveParams('TCP_RR', { duration: '300ms', interval: '300ms' }), peer }));
      await new Promise((r) => setTimeout(r, 50));
    }
    const results = await Promise.all(runs);
    await waitForEvents(log, 'test', 5);
    assert.deepEqual(
      results.map((r) => r.status),
      ['ok', 'ok', 'ok', 'ok', 'ok'],
    );
    const starts = log.events.filter((e) => e.event === 'start').map((e) => e.fields.client);
    const queued = log.events.filter((e) => e.event === 'queued').map((e) => e.fields.client);
    assert.equal(starts.length, 5);
    assert.deepEqual(starts.slice(1), queued, 'served in the order they queued');
    const sequence = log.events.filter((e) => e.event === 'start' || e.event === 'test').map((e) => e.event);
    assert.deepEqual(sequence, ['start', 'test', 'start', 'test', 'start', 'test', 'start', 'test', 'start', 'test']);
  } finally {
    await server.close();
  }
});

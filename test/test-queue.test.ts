import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestQueue } from '../runner/server/test-queue.js';

test('tickets get their turn in arrival order, with positions announced as the queue moves', async () => {
  const q = new TestQueue(4);
  const order: string[] = [];
  const positions: Record<string, number[]> = { b: [], c: [] };
  const a = q.enter(() => assert.fail('a never waits'));
  const b = q.enter((p) => positions.b.push(p));
  const c = q.enter((p) => positions.c.push(p));
  void b.turn.then(() => order.push('b'));
  void c.turn.then(() => order.push('c'));
  await a.turn;
  a.release();
  await b.turn;
  b.release();
  await c.turn;
  c.release();
  assert.deepEqual(order, ['b', 'c']);
  assert.deepEqual(positions, { b: [1], c: [2, 1] });
  assert.equal(q.busy, false);
});

test('a client leaving the queue moves the ones behind it up', async () => {
  const q = new TestQueue(4);
  const a = q.enter(() => {});
  const positions: number[] = [];
  const b = q.enter(() => {});
  const c = q.enter((p) => positions.push(p));
  b.release();
  assert.deepEqual(positions, [2, 1]);
  a.release();
  await c.turn;
  assert.equal(q.waitingCount, 0);
});

test('past the cap a client is told the server is busy, with the count', () => {
  const q = new TestQueue(1);
  q.enter(() => {});
  q.enter(() => {});
  assert.throws(() => q.enter(() => {}), { code: 'E_SERVER_BUSY', message: 'server busy: 1 clients waiting (limit 1) - try again later' });
});

import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { MAX_TIMER_MS, setLongTimeout, sleep } from '../runner/core/long-timer.js';

const HOUR_MS = 3600 * 1000;

/** Lets promise callbacks run after a mocked timer fired. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('pause: 700h waits 700 hours: past the 596 h a Node timer holds, split into chunks, no TimeoutOverflowWarning', async (t) => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => {
    if (w.name !== 'ExperimentalWarning') warnings.push(w.name);
  };
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());

  let done = false;
  const waited = sleep(700 * HOUR_MS).then(() => {
    done = true;
  });
  mock.timers.tick(1);
  await settle();
  assert.equal(done, false, 'a 700 h wait ended after 1 ms (the overflow: setTimeout fires at once)');
  mock.timers.tick(MAX_TIMER_MS - 1);
  await settle();
  assert.equal(done, false, 'ended after one chunk of 596 h');
  mock.timers.tick(700 * HOUR_MS - MAX_TIMER_MS - 1);
  await settle();
  assert.equal(done, false, 'ended 1 ms early');
  mock.timers.tick(1);
  await waited;
  assert.equal(done, true);
  assert.deepEqual(warnings, []);
});

test('a long sleep ends at once, rejected with the reason, when its signal aborts', async (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const controller = new AbortController();
  const waited = sleep(700 * HOUR_MS, { signal: controller.signal });
  mock.timers.tick(MAX_TIMER_MS + 5);
  controller.abort(new Error('interrupted'));
  await assert.rejects(waited, { message: 'interrupted' });
  await assert.rejects(sleep(1, { signal: controller.signal }), { message: 'interrupted' });
});

test('a cleared long timer never fires, in its first chunk or a later one', async (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  let fired = 0;
  const early = setLongTimeout(() => fired++, 2 * MAX_TIMER_MS);
  const late = setLongTimeout(() => fired++, 2 * MAX_TIMER_MS);
  const short = setLongTimeout(() => fired++, 10);
  early.clear();
  mock.timers.tick(MAX_TIMER_MS + 1);
  late.clear();
  mock.timers.tick(2 * MAX_TIMER_MS);
  assert.equal(fired, 1, 'only the 10 ms timer fires');
  short.clear();
});

import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encodeFrame } from '../runner/control/frame-decoder.js';
import { normalTest, startTestServer } from './helpers/in-process-server.js';
import { attachData, hello, RawControl, sleep, testRequest, waitUntil } from './helpers/raw-control.js';

/**
 * A thousand hostile connections of mixed kinds against one in-process
 * server: afterwards its open file descriptors are exactly back where they
 * were and its memory nearly so, and a normal test still succeeds. A leak of
 * one socket, timer or worker per bad client would show here.
 */
const CONNECTIONS = 1000;
const IN_FLIGHT = 25;
/**
 * RSS headroom: after a burst of connections V8 keeps heap pages committed
 * that it no longer uses (measured here: ~15 MiB after 1,000, ~26 MiB after
 * 3,000, ~35 MiB after 9,000: it levels off, where a leak would grow).
 */
const RSS_MARGIN_BYTES = 30 * 1024 * 1024;
/**
 * Live objects after a full GC: the test's own log keeps ~1 KiB per
 * connection; a server that kept each dead client's connection (socket,
 * buffers, closures) would keep several times that.
 */
const HEAP_MARGIN_BYTES = 4 * 1024 * 1024;

// global.gc without a command-line flag: this file runs under plain `node --test`.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

async function settledMemory(): Promise<{ rss: number; heapUsed: number }> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(100);
  }
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

type Kind = (port: number) => Promise<void>;

function frame(text: string): Buffer {
  return encodeFrame(Buffer.from(text, 'utf8'));
}

/** Sends `bytes` and waits for the server to close on it (its answer is checked elsewhere). */
function sendAndWait(bytes: () => Buffer): Kind {
  return async (port) => {
    const raw = await RawControl.connect(port);
    raw.write(bytes());
    await raw.waitClosed(5000);
  };
}

const KINDS: Array<[string, Kind]> = [
  ['connect and leave', async (port) => (await RawControl.connect(port)).destroy()],
  ['random bytes', sendAndWait(() => Buffer.from(Array.from({ length: 64 }, () => Math.floor(Math.random() * 256))))],
  ['a huge length', sendAndWait(() => Buffer.from([0xff, 0xff, 0xff, 0xff]))],
  ['bad JSON', sendAndWait(() => frame('{"type":'))],
  ['an unknown type', sendAndWait(() => frame('{"type":"RESET"}'))],
  ['START first', sendAndWait(() => frame('{"type":"START"}'))],
  ['another version', sendAndWait(() => frame(JSON.stringify(hello(7))))],
  [
    'a refused request',
    sendAndWait(() => Buffer.concat([frame(JSON.stringify(hello())), frame(JSON.stringify(testRequest('TCP_RR', { streams: 99 })))])),
  ],
  [
    'HELLO then leave',
    async (port) => {
      const raw = await RawControl.connect(port);
      raw.send(hello());
      await raw.next();
      raw.destroy();
    },
  ],
  [
    'half a frame, then silence until the deadline',
    async (port) => {
      const raw = await RawControl.connect(port);
      raw.write(frame(JSON.stringify(hello())).subarray(0, 7));
      await raw.waitClosed(5000);
    },
  ],
  [
    'a request, then leave while queued or starting',
    async (port) => {
      const raw = await RawControl.connect(port);
      raw.send(hello());
      raw.send(testRequest('UDP_RR'));
      await raw.next();
      raw.destroy();
    },
  ],
];

/** Rare and dear: a whole handshake with data connections, then a cut mid-test. */
const cutMidTest: Kind = async (port) => {
  const raw = await RawControl.connect(port);
  raw.send(hello());
  raw.send(testRequest('TCP_STREAM', { duration_s: 5 }));
  const ready = await raw.nextAfterQueue(10_000);
  if (ready.type !== 'READY') return raw.destroy();
  const closeData = await attachData('TCP_STREAM', ready);
  await raw.nextAfterQueue(5000);
  raw.send({ type: 'START' });
  await sleep(50);
  raw.destroy();
  closeData();
};

test(`after ${CONNECTIONS} hostile connections of mixed kinds, the server's file descriptors and memory are back where they were, and it still serves`, async (t) => {
  if (!existsSync('/proc/self/fd')) {
    t.skip('no /proc/self/fd on this system: open file descriptors cannot be counted here');
    return;
  }
  const s = await startTestServer({ timeout_s: 1 });
  try {
    // Warm up first: the first test loads the worker code and opens what stays open for good.
    assert.equal((await normalTest(s.port)).status, 'ok');
    await s.waitForTests(1);
    await sleep(300);
    const fdsBefore = openFds();
    const before = await settledMemory();

    const started = Date.now();
    let next = 0;
    const failures: string[] = [];
    async function lane(): Promise<void> {
      while (next < CONNECTIONS) {
        const i = next++;
        const [name, kind] = i % 100 === 50 ? ['a cut mid-test', cutMidTest] : KINDS[i % KINDS.length];
        await kind(s.port).catch((err: Error) => failures.push(`${i} ${name}: ${err.message}`));
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    assert.deepEqual(failures, []);
    // Every connection ends in exactly one log line from the server.
    // Beyond 10 a second, failed handshakes are counted in a 'suppressed' line instead of one line each.
    const accounted = (): number =>
      s.log.count('test') +
      s.log.events.filter((e) => e.event === 'suppressed' && e.fields.event === 'test').reduce((sum, e) => sum + Number(e.fields.lines), 0);
    await waitUntil(() => accounted() >= CONNECTIONS + 1, 15_000, `the server logs all ${CONNECTIONS} connections`);
    assert.equal(accounted(), CONNECTIONS + 1);
    const hostileSeconds = (Date.now() - started) / 1000;

    const run = await normalTest(s.port);
    assert.equal(run.status, 'ok', JSON.stringify(run.error));
    await waitUntil(() => accounted() >= CONNECTIONS + 2, 10_000, 'the server logs the test after the flood');

    // Sockets close and worker threads exit a little after their last event: poll until they have.
    let fdsAfter = openFds();
    const until = Date.now() + 10_000;
    while (fdsAfter !== fdsBefore && Date.now() < until) {
      await sleep(200);
      fdsAfter = openFds();
    }
    assert.equal(fdsAfter, fdsBefore, `open file descriptors: ${fdsBefore} before, ${fdsAfter} after`);
    const after = await settledMemory();
    const mib = (n: number): string => (n / 1048576).toFixed(1);
    t.diagnostic(
      `${CONNECTIONS} connections in ${hostileSeconds.toFixed(1)}s; fds ${fdsBefore} -> ${fdsAfter}; RSS ${mib(before.rss)} -> ${mib(after.rss)} MiB; heap used ${mib(before.heapUsed)} -> ${mib(after.heapUsed)} MiB`,
    );
    assert.ok(after.rss - before.rss < RSS_MARGIN_BYTES, `RSS grew by ${mib(after.rss - before.rss)} MiB over ${CONNECTIONS} connections`);
    assert.ok(
      after.heapUsed - before.heapUsed < HEAP_MARGIN_BYTES,
      `live heap grew by ${mib(after.heapUsed - before.heapUsed)} MiB over ${CONNECTIONS} connections`,
    );
  } finally {
    await s.close();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTestOrEmbedded as runTest } from '../runner/cli/local-run.js';
import { resolveParams } from '../runner/core/resolve-params.js';
import type { RunObject, StreamFigures } from '../runner/core/run-object.js';
import { runCli } from './helpers/cli.js';
import { sample, startFakeServer, type FakeResult, type FakeServerScript } from './helpers/fake-server.js';

/**
 * A server that lies about what it measured, on a real socket: the client
 * must fail the run naming the server, never publish the lie as a figure.
 */
async function runAgainst(script: FakeServerScript): Promise<{ run: RunObject; port: number }> {
  const fake = await startFakeServer(script);
  try {
    const params = resolveParams('TCP_STREAM', { duration: '300ms', interval: '300ms', timeout: '5s' });
    const run = await runTest({ params, peer: { host: '127.0.0.1', port: fake.port } });
    return { run, port: fake.port };
  } finally {
    await fake.close();
  }
}

/** The run failed with E_PROTOCOL and exactly this account of the lie. */
async function assertLie(result: (honest: FakeResult) => unknown, what: string | RegExp): Promise<void> {
  const { run, port } = await runAgainst({ result });
  assert.equal(run.status, 'failed', `a lie was accepted: ${JSON.stringify(run.summary)}`);
  assert.equal(run.summary, null);
  assert.equal(run.error?.code, 'E_PROTOCOL');
  const prefix = `peer 127.0.0.1:${port} sent an impossible RESULT: `;
  const suffix = ' - is it a compatible bench server?';
  assert.ok(run.error.message.startsWith(prefix) && run.error.message.endsWith(suffix), run.error.message);
  const middle = run.error.message.slice(prefix.length, -suffix.length);
  if (typeof what === 'string') assert.equal(middle, what);
  else assert.match(middle, what);
}

function edit(honest: FakeResult, change: (s: FakeResult['streams'][number]) => void): FakeResult {
  change(honest.streams[0]);
  return honest;
}

test('an honest fake server gives an ok run with exactly the bytes it counted (the fake itself is sound)', async () => {
  let reported = -1;
  const { run } = await runAgainst({
    result: (honest) => {
      reported = honest.streams[0].final.bytes;
      return honest;
    },
  });
  assert.equal(run.status, 'ok', JSON.stringify(run.error));
  assert.ok(reported > 0);
  assert.equal((run.summary as StreamFigures).bytes_received, reported);
});

test('a RESULT with bytes -5e18 fails the run naming the server, instead of a throughput of -4e13 Mbit/s', async () => {
  await assertLie((honest) => edit(honest, (s) => (s.final.bytes = -5e18)), 'stream 0 final bytes -5e18 is negative');
});

test('a RESULT with an infinite time or a fractional counter is refused at the schema', async () => {
  await assertLie(
    (honest) => JSON.stringify(edit(honest, (s) => (s.final.t = 123456))).replace('"t":123456', '"t":1e999'),
    'stream 0 final t Infinity is not a finite number',
  );
  await assertLie((honest) => edit(honest, (s) => (s.final.packets = 1.5)), 'stream 0 final packets 1.5 is not a whole number');
});

test('a receiver that claims more bytes than the client sent is caught', async () => {
  await assertLie(
    (honest) => edit(honest, (s) => (s.final.bytes = 1e15)),
    /^stream 0 received 1000000000000000 bytes, more than the \d+ the client sent$/,
  );
});

test('counters that run backwards, times that go back or past the end, and too many samples are caught', async () => {
  await assertLie(
    (honest) => edit(honest, (s) => (s.samples = [sample(0.1, s.final.bytes + 1), s.final])),
    /^stream 0 sample 1 counts bytes \d+, fewer than the \d+ before it$/,
  );
  await assertLie(
    (honest) => edit(honest, (s) => (s.samples = [sample(0.2, 0), sample(0.1, 0), s.final])),
    'stream 0 sample 1 at 0.1s, before the sample at 0.2s',
  );
  await assertLie(
    (honest) => edit(honest, (s) => (s.final = sample(5000, s.final.bytes))),
    /^stream 0 final sample at 5000s, later than the [\d.]+s the test can have lasted$/,
  );
  await assertLie(
    (honest) => edit(honest, (s) => (s.samples = Array.from({ length: 4 }, () => sample(0, 0)))),
    'stream 0 with 4 samples, more than a 0.3s test at 0.3s intervals has (3)',
  );
});

test('a RESULT without a report for each stream, or in the wrong role, is caught before figures are computed', async () => {
  await assertLie((honest) => ({ ...honest, streams: [] }), '0 stream reports for a test of 1 stream');
  await assertLie((honest) => edit(honest, (s) => (s.stream = 3)), 'a report for stream 3 in a test of 1 stream');
  await assertLie((honest) => edit(honest, (s) => (s.role = 'sender')), 'stream 0 in the role of sender, where the server is the receiver');
});

test('bench test against a lying server exits 1 with one line naming the server', async () => {
  const fake = await startFakeServer({ result: (honest) => edit(honest, (s) => (s.final.bytes = -5e18)) });
  try {
    const r = await runCli(['test', 'TCP_STREAM', '--peer', `127.0.0.1:${fake.port}`, '--duration', '300ms', '--interval', '300ms']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr,
      `bench: TCP_STREAM failed: peer 127.0.0.1:${fake.port} sent an impossible RESULT: stream 0 final bytes -5e18 is negative - is it a compatible bench server?\n`,
    );
  } finally {
    await fake.close();
  }
});

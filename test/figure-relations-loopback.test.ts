import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunObject, StreamFigures } from '../runner/core/run-object.js';
import { parseRun, runCli } from './helpers/cli.js';

/**
 * Issue 17: with --omit, each side cut its omitted period by its own clock, so
 * `--reverse` runs reported more received than sent. One real loopback run per
 * STREAM test on each data path, reversed (the receiver starts first) and with
 * --omit, must keep the relations: received <= sent, lost = sent - received.
 */
async function omitRun(test: string, dataPath: 'native' | 'js', extra: string[]): Promise<StreamFigures> {
  const env = dataPath === 'js' ? { BENCH_DATA_PATH: 'js' } : { BENCH_DATA_PATH: '' };
  const args = ['test', test, '--duration', '1.5s', '--interval', '0.5s', '--omit', '0.5s', '--reverse', '--json', ...extra];
  const r = await runCli(args, { env, timeoutMs: 60_000 });
  assert.equal(r.code, 0, `exit code ${r.code}: ${r.stderr}`);
  const run: RunObject = parseRun(r.stdout);
  assert.equal(run.status, 'ok', JSON.stringify(run.error));
  assert.equal(run.client.data_path, dataPath);
  assert.deepEqual(
    run.intervals.map((i) => i.omitted),
    [true, false, false],
  );
  return run.summary as StreamFigures;
}

for (const dataPath of ['native', 'js'] as const) {
  test(`${dataPath} data path: TCP_STREAM --omit --reverse counts the same bytes sent and received`, async () => {
    const s = await omitRun('TCP_STREAM', dataPath, []);
    assert.ok(s.bytes_sent > 0);
    assert.equal(s.bytes_received, s.bytes_sent);
  });

  test(`${dataPath} data path: UDP_STREAM --omit --reverse keeps received <= sent and lost = sent - received`, async () => {
    const s = await omitRun('UDP_STREAM', dataPath, ['--rate', '50M']);
    assert.ok(s.packets_sent! > 0);
    assert.ok(s.packets_received! <= s.packets_sent!, `received ${s.packets_received} > sent ${s.packets_sent}`);
    assert.equal(s.packets_lost, s.packets_sent! - s.packets_received!);
    assert.ok(s.bytes_received <= s.bytes_sent, `bytes received ${s.bytes_received} > sent ${s.bytes_sent}`);
  });
}

// Issue 16: `{test: UDP_STREAM, rate: 5G, size: 512}` sent 564 Mbit/s and read as ok. No host sends a
// terabit of 512-byte datagrams (244 million a second), so this target is never reached.
test('bench test UDP_STREAM far above what the sender reaches: target_mbps beside sender_mbps, and a warning under the summary', async () => {
  const r = await runCli(['test', 'UDP_STREAM', '--rate', '1000G', '--size', '512', '--duration', '1s', '--interval', '0.5s'], {
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const row = /│ target_mbps +│ 1000000 +│ Mbit\/s \(asked\) +│/.exec(r.stdout);
  assert.ok(row, r.stdout);
  const warning =
    /^warning: the sender reached ([\d.]+) of the 1000000 Mbit\/s asked \(([\d.]+)%\): loss and jitter describe that lighter load$/m.exec(
      r.stdout,
    );
  assert.ok(warning, r.stdout);
  const sent = Number(/│ sender_mbps +│ ([\d.]+) +│/.exec(r.stdout)?.[1]);
  assert.equal(Number(warning[1]), sent);
});

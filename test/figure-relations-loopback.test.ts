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
  assert.deepEqual(run.intervals.map((i) => i.omitted), [true, false, false]);
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

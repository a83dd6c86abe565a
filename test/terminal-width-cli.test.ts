import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLI } from './helpers/cli.js';

/**
 * Issue 16: at 70 columns the summary table (about 96 wide) wrapped into
 * garbage and the live line lost its unit, p99 and time left. The real CLI
 * runs here under a pseudo-terminal of a set size (util-linux `script`), and
 * no line it writes, live line or summary, may be longer than the terminal.
 */
const hasScript = spawnSync('script', ['--version']).status === 0;
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-width-'));
  await writeFile(
    join(dir, 'w.yaml'),
    [
      'name: w',
      'defaults: { duration: 1s, interval: 500ms, repeat: 2, pause: 200ms }',
      'runs:',
      '  - { test: UDP_STREAM, rate: 100M, size: 512 }',
      '  - { test: TCP_RR, label: request-response-on-loopback-with-a-long-label, expect: { "latency_us.p99": "< 1000000" } }',
    ].join('\n'),
  );
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What the terminal received, colour codes and erase-line codes taken out, split at \r and \n: each piece is what one screen line showed. */
function screenLines(raw: string): string[] {
  return raw.replace(/\x1b\[[0-9;]*[mK]/g, '').split(/\r\n|\r|\n/);
}

function runInTerminal(columns: number, args: string): Promise<string> {
  const command = `stty cols ${columns} rows 40; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} ${args}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '1', TERM: 'xterm' },
    });
    // Decoded once at the end: a chunk may end inside a multi-byte character (the table's box drawing), which decoded alone reads as U+FFFD.
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (code === 0) resolve(text);
      else reject(new Error(`bench run exited ${code} in a ${columns}-column terminal:\n${text}`));
    });
  });
}

for (const columns of [70, 120]) {
  test(`bench run in a ${columns}-column terminal: no line is wider than the terminal; figures, units and time left are on screen`, {
    skip: hasScript ? false : 'util-linux script is not installed',
  }, async () => {
    const lines = screenLines(await runInTerminal(columns, `run w.yaml --out ${JSON.stringify(join(dir, `out-${columns}`))}`));
    const over = lines.filter((l) => [...l].length > columns);
    assert.deepEqual(over, [], `lines wider than ${columns} columns`);
    // The live line: the interval's figure with its unit, and the time left.
    assert.ok(
      lines.some((l) => /^\[1\/4\] [\d.]+ Mbit\/s {2}loss [\d.]+% {2}\d+s left/.test(l)),
      'live UDP line with throughput, loss and time left',
    );
    assert.ok(
      lines.some((l) => /^\[3\/4\] [\d.]+ trans\/s {2}p99 [\d.]+ µs {2}\d+s left/.test(l)),
      'live RR line with transactions, p99 and time left',
    );
    // The table keeps every figure and its mean, however narrow.
    for (const figure of ['throughput_mbps', 'loss_percent', 'jitter_ms', 'transactions_per_sec', 'latency_us.p50', 'latency_us.p99']) {
      assert.ok(
        lines.some((l) => new RegExp(`${figure.replace('.', '\\.')}.*│ +[\\d.]+ │`).test(l)),
        `${figure} and its mean in the table`,
      );
    }
    assert.ok(lines.includes('pause 200ms'), 'the pause as written');
    assert.ok(lines.some((l) => l.startsWith('4 runs: 4 ok; 1 of 1 expectations met')));
    if (columns === 70)
      assert.ok(lines.includes('↑ higher is better, ↓ lower is better'), 'at 70 columns the better column is folded into arrows');
    else
      assert.ok(
        lines.some((l) =>
          /│ request-response-on-loopback-with-a-long-label │ +2\/2 │ transactions_per_sec +│ +[\d.]+ │ .* │ higher │/.test(l),
        ),
        'at 120 columns the whole table',
      );
  });
}

test('bench test in a 70-column terminal: the summary table (90 wide in full) fits, its unit column wrapped', {
  skip: hasScript ? false : 'util-linux script is not installed',
}, async () => {
  const lines = screenLines(await runInTerminal(70, 'test TCP_STREAM --duration 1s'));
  // The first line, what is about to run, is runner/cli/commands/test-command.ts's and not fitted here.
  assert.deepEqual(
    lines.filter((l) => !l.startsWith('bench TCP_STREAM ') && [...l].length > 70),
    [],
  );
  assert.ok(
    lines.some((l) => /^│ throughput_mbps +│ [\d.]+ +│ Mbit\/s \(receiver\) +│$/.test(l)),
    'throughput with its unit',
  );
  assert.ok(
    lines.some((l) => /^│ data path client \/ server │ \w+ \/ \w+ +│ native: C socket +│$/.test(l)),
    'the long unit text wrapped',
  );
});

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseScenario } from '../runner/scenario/load-scenario.js';
import { runCli } from './helpers/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'bench-report-formats-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function reportOf(text: string): unknown {
  return parseScenario('r.yaml', text, { env: {} }).spec.report;
}

test('a report block with a title but no formats keeps the default: both reports', () => {
  assert.deepEqual(reportOf('name: r1\nruns:\n  - {test: TCP_RR, duration: 1s}\nreport: {title: T}\n'), {
    formats: ['html', 'md'],
    title: 'T',
  });
  assert.deepEqual(reportOf('name: r1\nruns:\n  - {test: TCP_RR}\nreport: {formats: [md]}\n'), { formats: ['md'] });
  // An empty list is how a scenario asks for no report at all.
  assert.deepEqual(reportOf('name: r1\nruns:\n  - {test: TCP_RR}\nreport: {formats: []}\n'), { formats: [] });
  assert.equal(reportOf('name: r1\nruns:\n  - {test: TCP_RR}\n'), undefined);
});

test('bench run of a scenario whose report block has only a title writes report.html and report.md', async () => {
  const file = join(scratch, 'r1.yaml');
  writeFileSync(file, 'name: r1\nruns:\n  - {test: TCP_RR, duration: 1s}\nreport: {title: T}\n');
  const out = join(scratch, 'out');
  const r = await runCli(['run', file, '--out', out, '--quiet'], { timeoutMs: 60_000 });
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.deepEqual(
    readdirSync(out)
      .filter((f) => f.startsWith('report.'))
      .sort(),
    ['report.html', 'report.md'],
  );
});

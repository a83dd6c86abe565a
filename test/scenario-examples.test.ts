import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseScenario } from '../runner/scenario/load-scenario.js';
import { runCli } from './helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const examples = readdirSync(join(ROOT, 'scenarios'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

test('scenarios/ holds the quickstart and the worked examples', () => {
  assert.deepEqual(examples, ['lab-baseline.yaml', 'latency-check.yaml', 'quickstart.yaml', 'rrul.yaml', 'udp-loss-sweep.yaml']);
});

for (const file of examples) {
  test(`scenarios/${file} validates with bench validate and names its schema for editors`, async () => {
    const text = readFileSync(join(ROOT, 'scenarios', file), 'utf8');
    assert.equal(text.split('\n')[0], '# yaml-language-server: $schema=../schemas/scenario.schema.json');
    const r = await runCli(['validate', `scenarios/${file}`], { cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^scenarios/${file}: valid scenario '[^']+': \\d+ runs?`));
  });
}

test('bench validate prints the expanded count and the plan of the UDP sweep', async () => {
  const r = await runCli(['validate', 'scenarios/udp-loss-sweep.yaml'], { cwd: ROOT, env: { PEER_HOST: '', PEER_PORT: '' } });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(
    lines[0],
    "scenarios/udp-loss-sweep.yaml: valid scenario 'udp-loss-sweep': 20 runs in 10 groups, with repeats; sweeps crossed: rate × size, about 3m 39s of measuring",
  );
  assert.equal(lines.length, 11);
  assert.equal(lines[1], '   1. UDP_STREAM far-end rate=100M size=1472  10s, 1472B datagrams, rate 100Mbit/s  → 192.0.2.10:7575  ×2');
  assert.equal(lines[10], '  10. UDP_STREAM far-end rate=1G size=512     10s, 512B datagrams, rate 1Gbit/s  → 192.0.2.10:7575  ×2');
});

test('the quickstart runs all four tests on the embedded server, a few seconds each', () => {
  const q = parseScenario('scenarios/quickstart.yaml', readFileSync(join(ROOT, 'scenarios/quickstart.yaml'), 'utf8'), { env: {} });
  assert.deepEqual(
    q.groups.map((g) => [g.test, g.peer_name, g.peer, g.params.duration_s]),
    [
      ['TCP_STREAM', 'local', undefined, 2],
      ['UDP_STREAM', 'local', undefined, 2],
      ['TCP_RR', 'local', undefined, 2],
      ['UDP_RR', 'local', undefined, 2],
    ],
  );
});

test('bench validate counts RRUL idle phases in its estimate: four runs of 4s load with 1s idle before and after, 24s', async () => {
  const r = await runCli(['validate', 'scenarios/rrul.yaml'], { cwd: ROOT, env: { EDGE_HOST: '' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n')[0], "scenarios/rrul.yaml: valid scenario 'rrul': 4 runs, about 24s of measuring");
});

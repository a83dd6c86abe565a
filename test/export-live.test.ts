import Ajv2020 from 'ajv/dist/2020.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ResultsFile } from '../runner/core/results-file.js';
import { CLI, runCli } from './helpers/cli.js';
import { pushgatewayMissing, startPushgateway } from './helpers/pushgateway.js';

/**
 * --json-stream read line by line while bench runs, every line checked
 * against schemas/events.schema.json; --push against a real Pushgateway, and
 * against one that is down.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'bench-export-live-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const ajv = new Ajv2020.default({ strict: false, allErrors: true });
ajv.addSchema(JSON.parse(readFileSync(join(ROOT, 'schemas/results.schema.json'), 'utf8')) as object, 'results.schema.json');
const validateEvent = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas/events.schema.json'), 'utf8')) as object);

interface Event {
  event: string;
  time: string;
  index?: number;
  run?: { label: string; position: number };
  result?: { intervals: unknown[]; status: string };
  verdict?: { exit_code: number; runs: number };
}

/** Spawns bench and collects stdout line by line, noting what had arrived when each line did. */
function streamed(args: string[]): Promise<{ code: number | null; events: Event[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    const events: Event[] = [];
    let partial = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const event = JSON.parse(line) as Event;
        assert.ok(validateEvent(event), `${line}\n${JSON.stringify(validateEvent.errors)}`);
        events.push(event);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      assert.equal(partial, '', 'every event ends with a newline');
      resolve({ code, events, stderr });
    });
  });
}

test('bench run --json-stream: run_start before the intervals, one interval per interval, run_end, then scenario_end', async () => {
  const scenario = join(scratch, 'stream.yaml');
  writeFileSync(
    scenario,
    'name: stream\ndefaults: {duration: 1s, interval: 250ms}\nruns:\n  - test: TCP_RR\n  - test: UDP_STREAM\n    rate: 10M\n',
  );
  const { code, events, stderr } = await streamed(['run', scenario, '--out', join(scratch, 'out'), '--json-stream', '--quiet']);
  assert.equal(code, 0, stderr);
  const kinds = events.map((e) => e.event);
  assert.equal(kinds.at(-1), 'scenario_end');
  assert.deepEqual(events.at(-1)?.verdict?.exit_code, 0);
  for (const position of [1, 2]) {
    const own = events.filter((e) => e.run?.position === position);
    assert.equal(own[0].event, 'run_start');
    assert.equal(own.at(-1)?.event, 'run_end');
    const intervals = own.filter((e) => e.event === 'interval');
    assert.equal(intervals.length, own.at(-1)?.result?.intervals.length, 'one interval event per interval of the run');
    assert.deepEqual(
      intervals.map((e) => e.index),
      intervals.map((_, i) => i),
    );
    assert.equal(intervals.length, 4);
  }
  const times = events.map((e) => Date.parse(e.time));
  assert.deepEqual(
    [...times].sort((a, b) => a - b),
    times,
    'events in the order they happened',
  );
});

test('bench test --json-stream: the intervals arrive while the run goes on, not at the end', async () => {
  const started = Date.now();
  const arrivals: number[] = [];
  const child = spawn(process.execPath, [CLI, 'test', 'TCP_STREAM', '--duration', '2s', '--interval', '500ms', '--json-stream'], {
    env: process.env,
  });
  let partial = '';
  const lines: Event[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(JSON.parse(line) as Event);
      arrivals.push(Date.now() - started);
    }
  });
  const code = await new Promise((resolve) => child.once('close', resolve));
  assert.equal(code, 0);
  assert.deepEqual(
    lines.map((e) => e.event),
    ['run_start', 'interval', 'interval', 'interval', 'interval', 'run_end'],
  );
  for (const e of lines) assert.ok(validateEvent(e), JSON.stringify(validateEvent.errors));
  // The first interval line came before the run ended: it was streamed, not printed at the end.
  assert.ok(arrivals[1] < arrivals[5], `first interval at ${arrivals[1]} ms, run_end at ${arrivals[5]} ms`);
});

test('--json with --json-stream is refused', async () => {
  const r = await runCli(['test', 'TCP_RR', '--json', '--json-stream']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--json and --json-stream both write stdout: choose one/);
});

test("bench run --push: each run's metrics reach the gateway; with the gateway down the scenario finishes, says so and records it", {
  skip: pushgatewayMissing(),
}, async () => {
  const scenario = join(scratch, 'push.yaml');
  writeFileSync(
    scenario,
    'name: pushed\ndefaults: {duration: 1s, interval: 500ms}\nruns:\n  - test: UDP_STREAM\n    rate: [5M, 10M]\n    expect: {loss_percent: "<= 100"}\n',
  );
  const gateway = await startPushgateway();
  let results: ResultsFile;
  try {
    const r = await runCli(['run', scenario, '--out', join(scratch, 'push-up'), '--push', gateway.url, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    results = JSON.parse(readFileSync(join(scratch, 'push-up', 'results.json'), 'utf8')) as ResultsFile;
    assert.deepEqual(results.push, { url: `${gateway.url}/`, pushed: 2, failures: [] });
    const scraped = await gateway.scrape();
    for (const group of results.groups) {
      const line = scraped
        .split('\n')
        .find(
          (l) =>
            l.startsWith('bench_throughput_bytes_per_second{') && l.includes('job="pushed"') && l.includes(`rate="${group.sweep.rate}"`),
        );
      assert.ok(line, `series for ${group.label}`);
      assert.match(line, /job="pushed"/);
      assert.equal(Number(line.split(' ').pop()), group.figures.throughput_mbps.mean * 125_000);
    }
  } finally {
    await gateway.stop();
  }
  const down = await runCli(['run', scenario, '--out', join(scratch, 'push-down'), '--push', gateway.url, '--quiet']);
  assert.equal(down.code, 0, 'a monitoring outage does not fail the benchmark');
  assert.equal(
    (
      down.stderr.match(
        /connection refused - is the Pushgateway running there\?; the run is recorded in results\.json, and the scenario goes on/g,
      ) ?? []
    ).length,
    2,
  );
  const after = JSON.parse(readFileSync(join(scratch, 'push-down', 'results.json'), 'utf8')) as ResultsFile;
  assert.equal(after.runs.length, 2);
  assert.equal(after.push?.pushed, 0);
  assert.equal(after.push?.failures.length, 2);
  const bad = await runCli(['run', scenario, '--out', join(scratch, 'push-bad'), '--push', 'pushgateway:9091']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--push 'pushgateway:9091' must be an http:\/\/ or https:\/\/ URL/);
});

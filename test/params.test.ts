import fc from 'fast-check';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readServeOptions } from '../runner/cli/commands/serve-command.js';
import { BenchError } from '../runner/core/errors.js';
import { checkParams, checkWireParams, defaultParams, PARAM_LIST, WIRE_PARAMS } from '../runner/core/params.js';
import { readTestOptions, type RawTestOptions } from '../runner/core/resolve-params.js';
import { TEST_NAMES } from '../runner/core/test-params.js';
import { parseScenario } from '../runner/scenario/load-scenario.js';
import { buildScenarioSchema } from '../runner/scenario/scenario-schema-source.js';
import { runCli } from './helpers/cli.js';
import { SCENARIO_SCHEMA_FILE, scenarioSchemaText } from './helpers/write-schemas.js';

const scratch = mkdtempSync(join(tmpdir(), 'bench-params-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A scenario file holding one run with these keys, for `bench validate`. */
function scenarioFile(name: string, run: string): string {
  const file = join(scratch, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nruns:\n  - test: TCP_STREAM\n${run}`);
  return file;
}

test('schemas/scenario.schema.json is the schema generated from the declarations (npm run schemas rewrites it)', () => {
  assert.equal(readFileSync(SCENARIO_SCHEMA_FILE, 'utf8'), scenarioSchemaText(), 'the committed schema is stale: run npm run schemas');
  const schema = buildScenarioSchema() as { $defs: { settings: { properties: Record<string, unknown> } } };
  assert.deepEqual(
    Object.keys(schema.$defs.settings.properties),
    PARAM_LIST.map((p) => p.key),
  );
});

test('schemas/results.schema.json holds every declared TestParams field, with the type of its kind, and no other', () => {
  const results = JSON.parse(readFileSync(SCENARIO_SCHEMA_FILE.replace('scenario.schema.json', 'results.schema.json'), 'utf8')) as {
    $defs: { params: { properties: Record<string, { type?: string }>; required: string[] } };
  };
  const { properties, required } = results.$defs.params;
  const fields = WIRE_PARAMS.map((p) => p.field);
  assert.deepEqual(Object.keys(properties), ['test', ...fields]);
  assert.deepEqual(required, ['test', ...WIRE_PARAMS.filter((p) => p.addedLater !== true).map((p) => p.field)]);
  for (const p of WIRE_PARAMS) {
    const type =
      p.kind === 'boolean'
        ? 'boolean'
        : p.kind === 'size' || p.kind === 'count' || p.kind === 'dscp'
          ? 'integer'
          : p.kind === 'enum' || p.kind === 'address' || p.kind === 'name'
            ? 'string'
            : 'number';
    assert.equal(properties[p.field].type, type, p.field);
  }
});

test('bench test --duration 1s --interval 5s and the same run in a scenario give the same refusal', async () => {
  const sentence = 'duration 1s is shorter than one interval (5s): make duration at least the interval, or shorten interval';
  const cli = await runCli(['test', 'TCP_STREAM', '--duration', '1s', '--interval', '5s']);
  assert.equal(cli.code, 2);
  assert.equal(cli.stdout, '');
  assert.equal(cli.stderr, `bench: ${sentence}\n`);

  const file = scenarioFile('interval', '    duration: 1s\n    interval: 5s\n');
  const validate = await runCli(['validate', file]);
  assert.equal(validate.code, 2);
  assert.equal(validate.stderr, `bench: ${file} is not a valid scenario (1 problem, nothing was run):\n${file}:4:15: ${sentence}\n`);
});

test('an interval nobody wrote shrinks to a shorter duration, on the command line and in a scenario alike', () => {
  const cli = readTestOptions('TCP_RR', { duration: '300ms' });
  assert.deepEqual(cli.problems, []);
  assert.equal(cli.params.interval_s, 0.3);
  const plan = parseScenario('s.yaml', 'name: x\nruns:\n  - { test: TCP_RR, duration: 300ms }\n', { env: {} });
  assert.deepEqual(plan.groups[0].params, cli.params);
  assert.equal(readTestOptions('TCP_RR', { duration: '5s' }).params.interval_s, 1);
});

test('bench test prints every problem with its options, not only the first, and runs nothing', async () => {
  const r = await runCli(['test', 'TCP_RR', '--duration', '0s', '--streams', '500', '--size', '1KiB', '--data-path', 'c']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    [
      'bench: 4 problems with the options (nothing was run):',
      "  duration must be more than 0s, not '0s'",
      '  size does not apply to TCP_RR (only to TCP_STREAM and UDP_STREAM)',
      '  streams must be at most 128, not 500: each stream is a thread on both hosts',
      "  data_path must be one of native, js, not 'c'",
      '',
    ].join('\n'),
  );
});

test('a repeated option, an out-of-range port and negative or zero limits are usage errors, never internal ones', async () => {
  const cases: Array<[string[], string]> = [
    [['test', 'TCP_STREAM', '--duration', '1s', '--duration', '2s'], 'bench: --duration is given 2 times (1s, 2s): give it once'],
    [['serve', '--port', '70000'], 'bench: port must be at most 65535, not 70000'],
    [['serve', '--max-queue=-1'], "bench: invalid max-queue '-1': write a whole number, such as 4"],
    [['serve', '--max-streams', '0'], 'bench: max-streams must be at least 1, not 0: at 0 every test would be refused'],
    [['report', 'x.json', '--format', 'md', '--format', 'html'], 'bench: --format is given 2 times (md, html): give it once'],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args, { timeoutMs: 10_000 });
    assert.equal(r.stderr, `${message}\n`, args.join(' '));
    assert.equal(r.code, 2, args.join(' '));
  }
});

test('durations, timeouts and pauses past a week are refused before any timer could overflow (2^31 ms is about 596h)', async () => {
  const overflow = 'must be at most 168h, not';
  const cli = await runCli(['test', 'TCP_STREAM', '--timeout', '600h']);
  assert.equal(cli.code, 2);
  assert.equal(cli.stderr, "bench: timeout must be at most 168h, not '600h': longer timers overflow; split it into shorter runs\n");
  const serve = await runCli(['serve', '--timeout', '700h'], { timeoutMs: 10_000 });
  assert.equal(serve.code, 2);
  assert.equal(serve.stderr, 'bench: timeout must be at most 168h, not 700h\n');
  const file = scenarioFile('pause', '    pause: 700h\n    duration: 9999999h\n');
  const validate = await runCli(['validate', file]);
  assert.equal(validate.code, 2);
  assert.equal(
    validate.stderr,
    [
      `bench: ${file} is not a valid scenario (2 problems, nothing was run):`,
      `${file}:4:12: pause ${overflow} '700h': longer timers overflow; split it into shorter runs`,
      `${file}:5:15: duration ${overflow} '9999999h': longer timers overflow; split it into shorter runs`,
      '',
    ].join('\n'),
  );
});

test('--data-path js runs on the JavaScript data path, on both sides of the embedded server', async () => {
  const r = await runCli(['test', 'TCP_STREAM', '--duration', '300ms', '--interval', '300ms', '--data-path', 'js', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const run = JSON.parse(r.stdout) as { client: { data_path: string }; server: { data_path: string } };
  assert.deepEqual([run.client.data_path, run.server.data_path], ['js', 'js']);
});

test('data_path in a scenario: one value per run, from defaults, the run or --set; it does not sweep', () => {
  const text =
    'name: x\ndefaults: { data_path: js }\nruns:\n  - { test: TCP_RR }\n  - { test: UDP_RR, data_path: native }\n  - { test: TCP_STREAM }\n';
  const plan = parseScenario('d.yaml', text, { env: {} });
  assert.deepEqual(
    plan.groups.map((g) => g.data_path),
    ['js', 'native', 'js'],
  );
  assert.deepEqual(
    parseScenario('d.yaml', text, { env: {}, set: 'data_path=native' }).groups.map((g) => g.data_path),
    ['native', 'native', 'native'],
  );
  assert.throws(() => parseScenario('s.yaml', 'name: x\nruns:\n  - { test: TCP_RR, data_path: [native, js] }\n', { env: {} }), {
    message: [
      's.yaml is not a valid scenario (1 problem, nothing was run):',
      's.yaml:3:32: data_path cannot sweep: only duration, size, request_size, response_size, rate, streams, reverse, bidir, direction, probe_interval, dscp, congestion, mss and window take a list; give one value',
    ].join('\n'),
  });
  assert.throws(() => parseScenario('c.yaml', 'name: x\nruns:\n  - { test: TCP_RR, data_path: c }\n', { env: {} }), {
    message: "c.yaml is not a valid scenario (1 problem, nothing was run):\nc.yaml:3:32: data_path must be one of native, js, not 'c'",
  });
});

test('the server applies the same declarations: what checkParams refuses, TEST_REQUEST refuses with the same sentences', () => {
  const field = fc.constantFrom(...WIRE_PARAMS.map((p) => p.field));
  const value = fc.oneof(fc.integer({ min: -5, max: 200_000 }), fc.double({ noNaN: true, min: -1, max: 1e7 }), fc.boolean());
  fc.assert(
    fc.property(fc.constantFrom(...TEST_NAMES), fc.dictionary(field, value, { maxKeys: 4 }), (test, overrides) => {
      const params = { ...defaultParams(test), ...overrides };
      const wire = checkWireParams(params);
      const typed = WIRE_PARAMS.every((p) => {
        const v = (params as Record<string, unknown>)[p.field];
        return p.kind === 'boolean'
          ? typeof v === 'boolean'
          : p.kind === 'enum'
            ? typeof v === 'string' && (p.values ?? []).includes(v)
            : p.kind === 'size' || p.kind === 'count' || p.kind === 'dscp'
              ? Number.isSafeInteger(v)
              : p.kind === 'address' || p.kind === 'name'
                ? v === ''
                : typeof v === 'number';
      });
      if (!typed) return assert.ok(wire.problems.length > 0);
      assert.deepEqual(
        wire.problems,
        checkParams(params).map((p) => p.message),
      );
    }),
    { numRuns: 500, seed: 10 },
  );
});

test('no typed option value reaches an internal error: bench test and bench serve options, parsed in process (property)', () => {
  const typed = fc.oneof(
    fc.string(),
    fc.constantFrom('10s', '1e400', '-1', '0', '64K', '1.5', 'native', 'js', '70000', '600h', '', ' '),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.array(fc.oneof(fc.string(), fc.integer()), { minLength: 2, maxLength: 3 }),
  );
  const usage = (err: unknown): boolean => err instanceof BenchError && (err.code === 'E_USAGE' || err.code === 'E_UNIT');
  const testKeys = PARAM_LIST.filter((p) => p.cli).map((p) => p.key);
  fc.assert(
    fc.property(fc.constantFrom(...TEST_NAMES), fc.dictionary(fc.constantFrom(...testKeys), typed, { maxKeys: 5 }), (test, raw) => {
      const read = readTestOptions(test, raw as RawTestOptions);
      for (const p of read.problems) assert.equal(typeof p.message, 'string');
    }),
    { numRuns: 2000, seed: 7 },
  );
  const serveKeys = ['port', 'timeout', 'maxQueue', 'maxDuration', 'maxStreams', 'maxSize', 'maxRate', 'allow'];
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...serveKeys), typed, { maxKeys: 4 }), (options) => {
      try {
        const { port } = readServeOptions(options);
        assert.ok(Number.isInteger(port) && port >= 0 && port <= 65535);
      } catch (err) {
        assert.ok(usage(err), String(err));
      }
    }),
    { numRuns: 2000, seed: 7 },
  );
});

test('RRUL refuses more data connections than the wire can number (128): streams each way, up or down, with the largest that fits', () => {
  const rrul = (streams: number, direction: 'both' | 'up' | 'down') => ({ ...defaultParams('RRUL'), streams, direction });
  assert.deepEqual(checkParams(rrul(63, 'both')), []);
  assert.deepEqual(checkParams(rrul(64, 'both')), [
    {
      keys: ['streams', 'direction'],
      message:
        'RRUL with 64 streams each way opens 129 data connections (its TCP streams and the probe flow), more than the 128 a test may have: use 63 streams or fewer',
    },
  ]);
  assert.deepEqual(checkParams(rrul(127, 'up')), []);
  assert.deepEqual(checkParams(rrul(128, 'down')), [
    {
      keys: ['streams', 'direction'],
      message:
        'RRUL with 128 streams down opens 129 data connections (its TCP streams and the probe flow), more than the 128 a test may have: use 127 streams or fewer',
    },
  ]);
});

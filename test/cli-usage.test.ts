import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRun, runCli } from './helpers/cli.js';

/** What a mistyped command line gets (issue 16): the nearest option, the command's own help, nothing ignored. */
test("a mistyped option gets the nearest real one and points at the command's help", async () => {
  const r = await runCli(['test', 'TCP_RR', '--duraton', '1s']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "bench: unknown option '--duraton': did you mean '--duration'? - see bench test --help\n");
});

test("a negative value is that option's value, refused by its own check, not an unknown option -1", async () => {
  const r = await runCli(['test', 'TCP_RR', '--duration', '-1s']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^bench: .*duration.*-1s/);
  assert.doesNotMatch(r.stderr, /unknown option/);
});

test('an extra argument is refused, not ignored', async () => {
  const r = await runCli(['test', 'TCP_RR', 'extra']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "bench: bench test takes 1 argument; 'extra' is one too many - see bench test --help\n");
});

test("iperf3's short flags: -t duration, -i interval, -P streams", async () => {
  const r = await runCli(['test', 'TCP_STREAM', '-t', '1s', '-i', '500ms', '-P', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const run = parseRun(r.stdout);
  assert.equal(run.params.duration_s, 1);
  assert.equal(run.params.interval_s, 0.5);
  assert.equal(run.params.streams, 2);
});

test('a missing argument names the command and its help', async () => {
  const r = await runCli(['validate']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'bench: missing required args for command `validate <file>` - see bench validate --help\n');
});

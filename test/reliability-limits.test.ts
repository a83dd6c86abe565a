import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runTestOrEmbedded as runTest } from '../runner/cli/local-run.js';
import { resolveParams, type RawTestOptions } from '../runner/core/resolve-params.js';
import { startTestServer } from './helpers/in-process-server.js';
import { parseRun, runCli, startServeProcess, type ServeProcess } from './helpers/cli.js';

/**
 * The server's limits, each set on `bench serve` and checked end to end: a
 * request beyond one is refused with the limit and its option named, runs
 * nothing, and a request exactly at it runs.
 */
let server: ServeProcess;
let peer: string;
before(async () => {
  server = await startServeProcess([
    '--max-duration',
    '2s',
    '--max-streams',
    '2',
    '--max-size',
    '1KiB',
    '--max-rate',
    '10M',
    '--allow',
    'TCP_STREAM,UDP_STREAM,TCP_RR',
  ]);
  peer = `127.0.0.1:${server.port}`;
});
after(async () => {
  await server.stop();
});

function startCount(): number {
  return server.log().split(' start client=').length - 1;
}

test('each limit set on bench serve refuses a request beyond it with the exact message, and runs nothing', async () => {
  const cases: Array<[string[], string]> = [
    [['TCP_STREAM', '--duration', '3s'], "duration 3s exceeds this server's limit of 2s (bench serve --max-duration)"],
    [['TCP_STREAM', '--duration', '1s', '--streams', '3'], "3 streams exceeds this server's limit of 2 (bench serve --max-streams)"],
    [
      ['TCP_STREAM', '--duration', '1s', '--size', '2KiB'],
      "message size 2KiB exceeds this server's limit of 1KiB (bench serve --max-size)",
    ],
    [
      ['TCP_RR', '--duration', '1s', '--response-size', '1025'],
      "message size 1025 bytes exceeds this server's limit of 1KiB (bench serve --max-size)",
    ],
    [
      ['TCP_RR', '--duration', '1s', '--request-size', '4096'],
      "message size 4KiB exceeds this server's limit of 1KiB (bench serve --max-size)",
    ],
    [
      ['UDP_STREAM', '--duration', '1s', '--size', '1000', '--rate', '20M'],
      "20Mbit/s exceeds this server's UDP limit of 10Mbit/s (bench serve --max-rate)",
    ],
    [
      ['UDP_STREAM', '--duration', '1s', '--size', '1000'],
      "an unpaced rate exceeds this server's UDP limit of 10Mbit/s (bench serve --max-rate)",
    ],
    [
      ['UDP_RR', '--duration', '1s'],
      'this server does not allow UDP_RR (allowed: TCP_STREAM, UDP_STREAM, TCP_RR; see bench serve --allow)',
    ],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['test', ...args, '--peer', peer]);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stderr, `bench: ${args[0]} failed: peer ${peer}: ${message}\n`);
    assert.equal(r.stdout.split('\n').length, 2, 'nothing but the opening line on stdout');
  }
  assert.equal(startCount(), 0, 'no refused request started a test');
  const refusals = server
    .log()
    .split('\n')
    .filter((l) => / test client=\S+ test=\S+ status=failed error=".* \(bench serve --|see bench serve --allow/.test(l));
  assert.equal(refusals.length, cases.length, server.log());
});

test('requests exactly at each limit run', async () => {
  const cases: string[][] = [
    ['TCP_STREAM', '--duration', '300ms', '--interval', '300ms', '--streams', '2', '--size', '1KiB'],
    ['TCP_RR', '--duration', '300ms', '--interval', '300ms', '--request-size', '1024', '--response-size', '1024'],
    ['UDP_STREAM', '--duration', '300ms', '--interval', '300ms', '--size', '1000', '--rate', '10M'],
  ];
  for (const args of cases) {
    const r = await runCli(['test', ...args, '--peer', peer, '--json']);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(parseRun(r.stdout).status, 'ok');
  }
});

test('bad limit values on bench serve exit 2 naming the option and what to write', async () => {
  const cases: Array<[string[], string]> = [
    [['--max-streams', 'abc'], "bench: invalid max-streams 'abc': write a whole number, such as 4"],
    [['--max-duration', '5x'], "bench: invalid max-duration '5x': write a number with a unit, such as 10s, 500ms or 2m"],
    [['--max-size', '64K'], "bench: ambiguous max-size '64K': write 64KiB (65536 bytes) or 64kB (64000 bytes)"],
    [['--max-rate', 'fast'], "bench: invalid max-rate 'fast': write bits per second, such as 100M, 1G or 500k (0 for unpaced)"],
    [['--allow', 'TCP_STREAM,PING'], "bench: unknown test 'PING': choose one of TCP_STREAM, UDP_STREAM, TCP_RR, UDP_RR, TCP_CRR, RRUL"],
    // A server that gives every peer no time at all fails every client: refused at start.
    [['--timeout', '0s'], 'bench: timeout must be at least 1s, not 0s: a shorter one would declare a healthy peer dead'],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['serve', '--host', '127.0.0.1', '--port', '0', ...args], { timeoutMs: 10_000 });
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stderr, `${message}\n`);
  }
});

test('the default limits: 3600s, 64 streams, 16MiB messages, every test allowed', async () => {
  const s = await startTestServer({ timeout_s: 5 });
  try {
    const refused = async (test: string, options: RawTestOptions): Promise<string> => {
      const run = await runTest({ params: resolveParams(test, options), peer: { host: '127.0.0.1', port: s.port } });
      assert.equal(run.status, 'failed');
      assert.equal(run.error?.code, 'E_REFUSED');
      return run.error!.message;
    };
    const where = `peer 127.0.0.1:${s.port}`;
    assert.equal(
      await refused('TCP_STREAM', { duration: '3601s' }),
      `${where}: duration 3601s exceeds this server's limit of 1h (bench serve --max-duration)`,
    );
    assert.equal(
      await refused('TCP_STREAM', { duration: '1s', streams: 65 }),
      `${where}: 65 streams exceeds this server's limit of 64 (bench serve --max-streams)`,
    );
    assert.equal(
      await refused('TCP_STREAM', { duration: '1s', size: 16 * 1024 * 1024 + 1 }),
      `${where}: message size 16777217 bytes exceeds this server's limit of 16MiB (bench serve --max-size)`,
    );
    assert.equal(s.log.count('start'), 0);
    const ok = await runTest({
      params: resolveParams('UDP_RR', { duration: '300ms', interval: '300ms' }),
      peer: { host: '127.0.0.1', port: s.port },
    });
    assert.equal(ok.status, 'ok', JSON.stringify(ok.error));
  } finally {
    await s.close();
  }
});

test('max-streams counts the data connections a run opens: RRUL its streams each way and the probe flow, bidir its streams twice', async () => {
  const s = await startTestServer({ timeout_s: 5, limits: { max_streams: 8 } });
  try {
    const where = `peer 127.0.0.1:${s.port}`;
    const refused = async (test: string, options: RawTestOptions): Promise<string> => {
      const run = await runTest({ params: resolveParams(test, options), peer: { host: '127.0.0.1', port: s.port } });
      assert.equal(run.status, 'failed', `${test} ${JSON.stringify(options)} ran`);
      assert.equal(run.error?.code, 'E_REFUSED');
      return run.error!.message.replace(`${where}: `, '');
    };
    assert.deepEqual(
      [
        await refused('RRUL', { duration: '1s', streams: 4 }),
        await refused('RRUL', { duration: '1s', streams: 8, direction: 'up' }),
        await refused('TCP_STREAM', { duration: '1s', streams: 5, bidir: true }),
        await refused('UDP_STREAM', { duration: '1s', streams: 5, bidir: true }),
        await refused('TCP_STREAM', { duration: '1s', streams: 9 }),
      ],
      [
        "RRUL with 4 streams each way opens 9 data connections (4 up, 4 down and the probe flow), which exceeds this server's limit of 8 (bench serve --max-streams)",
        "RRUL with 8 streams up opens 9 data connections (8 up and the probe flow), which exceeds this server's limit of 8 (bench serve --max-streams)",
        "bidir with 5 streams opens 10 data connections, which exceeds this server's limit of 8 (bench serve --max-streams)",
        "bidir with 5 streams opens 10 data connections, which exceeds this server's limit of 8 (bench serve --max-streams)",
        "9 streams exceeds this server's limit of 8 (bench serve --max-streams)",
      ],
    );
    assert.equal(s.log.count('start'), 0);
    // Exactly at the limit: 7 up and the probe flow.
    const ok = await runTest({
      params: resolveParams('RRUL', { duration: '300ms', interval: '300ms', idle: '100ms', streams: 7, direction: 'up' }),
      peer: { host: '127.0.0.1', port: s.port },
    });
    assert.equal(ok.status, 'ok', JSON.stringify(ok.error));
  } finally {
    await s.close();
  }
});

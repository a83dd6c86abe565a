import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { encodeFrame, FrameDecoder } from '../../runner/control/frame-decoder.js';
import { encodeMessage, parseServerMessage, type ServerMessage } from '../../runner/control/messages.js';
import { CLI, parseRun, runCli, startServeProcess } from '../helpers/cli.js';

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('a peer not listening gives a clear error and exit code 1', async () => {
  const port = await closedPort();
  const r = await runCli(['test', 'TCP_STREAM', '--peer', `127.0.0.1:${port}`, '--duration', '1s']);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    new RegExp(
      `bench: TCP_STREAM failed: cannot reach peer 127\\.0\\.0\\.1:${port}: connection refused - is 'bench serve' running there\\?`,
    ),
  );
});

test('with --json a failed run is still one run object on stdout, status failed, with its error', async () => {
  const port = await closedPort();
  const r = await runCli(['test', 'UDP_RR', '--peer', `127.0.0.1:${port}`, '--json']);
  assert.equal(r.code, 1);
  const run = parseRun(r.stdout);
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.code, 'E_PEER_UNREACHABLE');
  assert.equal(run.summary, null);
});

test('bad units and bad arguments give exit code 2 and say what to write', async () => {
  const cases: Array<[string[], string]> = [
    [['test', 'TCP_STREAM', '--duration', '10x'], "bench: invalid duration '10x': write a number with a unit, such as 10s, 500ms or 2m"],
    [['test', 'TCP_STREAM', '--size', '64K'], "bench: ambiguous size '64K': write 64KiB (65536 bytes) or 64kB (64000 bytes)"],
    [
      ['test', 'UDP_STREAM', '--rate', 'fast'],
      "bench: invalid rate 'fast': write bits per second, such as 100M, 1G or 500k (0 for unpaced)",
    ],
    [['test', 'ICMP_PING'], "bench: unknown test 'ICMP_PING': choose one of TCP_STREAM, UDP_STREAM, TCP_RR, UDP_RR, TCP_CRR, RRUL"],
    [['test', 'TCP_STREAM', '--peer', 'host:99999'], "bench: invalid port in peer 'host:99999': use 1 to 65535"],
    [['frobnicate'], "bench: unknown command 'frobnicate': see bench --help"],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim(), message);
    assert.equal(r.stdout, '', 'nothing on stdout');
  }
});

test('--help lists the commands and --version prints the version', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  for (const command of ['serve', 'test <test>', 'run <file>', 'validate <file>', 'report <results>', 'compare <base> <new>']) {
    assert.ok(help.stdout.includes(command), `help mentions ${command}`);
  }
  const version = await runCli(['--version']);
  assert.match(version.stdout, /^bench\/\d+\.\d+\.\d+/);
});

test('a client killed mid-test leaves the server serving the next client', async () => {
  const server = await startServeProcess(['--timeout', '5s']);
  try {
    for (const victim of ['TCP_STREAM', 'UDP_STREAM']) {
      const child = spawn(process.execPath, [CLI, 'test', victim, '--peer', `127.0.0.1:${server.port}`, '--duration', '20s'], {
        stdio: 'ignore',
      });
      await waitFor(
        () => server.log().includes(`start client=`) && countOf(server.log(), 'start client=') > countOf(server.log(), ' test client='),
        10_000,
      );
      await new Promise((r) => setTimeout(r, 500));
      child.kill('SIGKILL');
      const next = await runCli(['test', 'TCP_RR', '--peer', `127.0.0.1:${server.port}`, '--duration', '1s', '--json']);
      assert.equal(next.code, 0, next.stderr);
      assert.equal(parseRun(next.stdout).status, 'ok');
    }
    const failed = server
      .log()
      .split('\n')
      .filter((l) => l.includes('status=failed'));
    assert.equal(failed.length, 2, server.log());
    assert.match(failed[0], /test=TCP_STREAM status=failed/);
    assert.match(failed[1], /test=UDP_STREAM status=failed/);
  } finally {
    await server.stop();
  }
});

test('a client of another protocol version gets a clear error, not a hang', async () => {
  const server = await startServeProcess();
  try {
    const reply = await converse(server.port, [{ type: 'HELLO', protocol: 99, bench_version: '9.0.0' }]);
    assert.equal(reply.type, 'ERROR');
    assert.equal((reply as { code: string }).code, 'E_VERSION');
    assert.match(
      (reply as { message: string }).message,
      /^protocol version mismatch: this server \(bench \d+\.\d+\.\d+\) speaks protocol 2, the client \(bench 9\.0\.0\) speaks 99 - install the same bench version on both hosts$/,
    );
  } finally {
    await server.stop();
  }
});

test('a request beyond a server limit is refused, naming the limit and its value', async () => {
  const server = await startServeProcess(['--max-duration', '2s', '--allow', 'TCP_STREAM,TCP_RR']);
  try {
    const long = await runCli(['test', 'TCP_STREAM', '--peer', `127.0.0.1:${server.port}`, '--duration', '5s']);
    assert.equal(long.code, 1);
    assert.match(long.stderr, /duration 5s exceeds this server's limit of 2s \(bench serve --max-duration\)/);
    const udp = await runCli(['test', 'UDP_RR', '--peer', `127.0.0.1:${server.port}`, '--duration', '1s']);
    assert.equal(udp.code, 1);
    assert.match(udp.stderr, /this server does not allow UDP_RR \(allowed: TCP_STREAM, TCP_RR; see bench serve --allow\)/);
  } finally {
    await server.stop();
  }
});

function countOf(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Speaks raw control frames to a server and returns its first reply. */
function converse(port: number, messages: object[]): Promise<ServerMessage> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const decoder = new FrameDecoder(1 << 20);
    socket.setTimeout(5000, () => reject(new Error('no reply within 5 s')));
    socket.on('data', (chunk: Buffer) => {
      const frames = decoder.push(chunk);
      if (frames.length > 0) {
        socket.destroy();
        resolve(parseServerMessage(frames[0]));
      }
    });
    socket.on('error', reject);
    socket.on('connect', () => {
      for (const m of messages) socket.write(encodeFrame(encodeMessage(m as never)));
    });
  });
}

test('a reader that closes the pipe early (bench test | head -1) ends bench quietly with exit 0', async () => {
  const child = spawn(process.execPath, [CLI, 'test', 'TCP_RR', '--duration', '2s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Unhandled/);
});

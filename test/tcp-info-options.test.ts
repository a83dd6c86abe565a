import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { RunObject, StreamFigures } from '../runner/core/run-object.js';
import { readTestOptions } from '../runner/core/resolve-params.js';
import { runCli } from './helpers/cli.js';
import { startTestServer } from './helpers/in-process-server.js';
import { hello, RawControl, testRequest } from './helpers/raw-control.js';

/**
 * Issue 14 on loopback: TCP_INFO figures per interval and in the summary on
 * the native data path, their absence (and why) on the JavaScript one, and
 * the socket options bind, dscp, congestion, mss and window on both paths.
 * The namespace testbed shows them against what the wire carried
 * (test/serial/tcp-info-netns.test.ts).
 */
const TCP_FIGURES = ['rtt_ms', 'rttvar_ms', 'cwnd_bytes', 'retransmits', 'pmtu', 'snd_mss_bytes', 'rcv_mss_bytes'] as const;
const sysctl = (name: string): string => readFileSync(`/proc/sys/net/${name}`, 'utf8').trim();
/** Read when used: the list is the host's, and may change while the tests run. */
const allowed = (): string[] => sysctl('ipv4/tcp_allowed_congestion_control').split(/\s+/);

async function benchTest(args: string[], path: 'native' | 'js' = 'native'): Promise<RunObject> {
  const r = await runCli(['test', ...args, '--json'], { env: { BENCH_DATA_PATH: path } });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as RunObject;
}

test('native TCP_STREAM: every interval and the summary carry the sender socket TCP_INFO, and the run says which congestion control ran', async () => {
  const run = await benchTest(['TCP_STREAM', '-t', '2s', '-i', '500ms']);
  assert.equal(run.status, 'ok');
  const summary = run.summary as StreamFigures;
  for (const name of TCP_FIGURES) assert.equal(typeof summary[name], 'number', name);
  assert.ok(summary.rtt_ms! > 0 && summary.cwnd_bytes! > 0, JSON.stringify(summary));
  // Loopback's MTU is 65536, capped at IP's largest packet; its MSS is what that leaves after the headers and timestamps.
  assert.equal(summary.pmtu, 65535);
  assert.ok(summary.snd_mss_bytes! > 60_000 && summary.snd_mss_bytes! < 65_536);
  assert.equal(run.intervals.length, 4);
  for (const interval of run.intervals)
    for (const name of TCP_FIGURES) assert.equal(typeof (interval.figures as StreamFigures)[name], 'number', name);
  // Interval retransmits are deltas of one cumulative counter: with nothing omitted they add up to the summary's.
  assert.equal(
    run.intervals.reduce((a, i) => a + ((i.figures as StreamFigures).retransmits ?? 0), 0),
    summary.retransmits,
  );
  const kernelDefault = sysctl('ipv4/tcp_congestion_control');
  assert.deepEqual([run.client.congestion, run.server.congestion], [kernelDefault, kernelDefault]);
  assert.ok(run.client.sndbuf_bytes! > 0 && run.server.rcvbuf_bytes! > 0);
  assert.equal(run.notes, undefined);
});

test('native TCP_RR: the client socket TCP_INFO, with no retransmits on loopback', async () => {
  const run = await benchTest(['TCP_RR', '-t', '1s']);
  const summary = run.summary as StreamFigures;
  for (const name of TCP_FIGURES) assert.equal(typeof summary[name], 'number', name);
  assert.equal(summary.retransmits, 0);
  assert.ok(summary.rtt_ms! > 0);
});

test('mss, window and congestion on both ends: segments no larger than asked, buffers as the kernel granted them, the algorithm reported as used', async () => {
  const congestion = allowed().includes('reno') ? 'reno' : allowed()[0];
  const run = await benchTest(['TCP_STREAM', '-t', '1s', '--mss', '1000', '--window', '256KiB', '--congestion', congestion]);
  const summary = run.summary as StreamFigures;
  // TCP_MAXSEG bounds the segment with its options: the timestamps' 12 bytes come out of it.
  assert.equal(summary.snd_mss_bytes, sysctl('ipv4/tcp_timestamps') === '0' ? 1000 : 988);
  assert.ok(summary.rcv_mss_bytes! <= 1000, String(summary.rcv_mss_bytes));
  assert.deepEqual([run.client.congestion, run.server.congestion], [congestion, congestion]);
  // Linux doubles what was asked (for its bookkeeping), after capping it at the sysctl's maximum.
  const granted = (max: string): number => 2 * Math.min(256 * 1024, Number(sysctl(`core/${max}`)));
  assert.deepEqual(
    [run.client.sndbuf_bytes, run.client.rcvbuf_bytes, run.server.sndbuf_bytes, run.server.rcvbuf_bytes],
    [granted('wmem_max'), granted('rmem_max'), granted('wmem_max'), granted('rmem_max')],
  );
  assert.equal(run.params.mss_bytes, 1000);
  assert.equal(run.params.window_bytes, 262144);
});

test('congestion nosuch is refused on this host before the peer is asked, naming what the kernel allows', async () => {
  const r = await runCli(['test', 'TCP_STREAM', '-t', '1s', '--congestion', 'nosuch', '--json']);
  assert.equal(r.code, 1);
  const run = JSON.parse(r.stdout) as RunObject;
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.code, 'E_REFUSED');
  assert.match(
    run.error!.message,
    new RegExp(
      `^congestion 'nosuch' is not allowed on this host \\(.+\\): net.ipv4.tcp_allowed_congestion_control allows ${allowed().join(' ')}; `,
    ),
  );
  assert.deepEqual(run.intervals, []);
});

test('a server refuses a TEST_REQUEST whose congestion its kernel does not allow, before READY, naming what it allows', async () => {
  const server = await startTestServer({ name: 'lab-b' });
  try {
    const raw = await RawControl.connect(server.port);
    raw.send(hello());
    assert.equal((await raw.next()).type, 'WELCOME');
    raw.send(testRequest('TCP_STREAM', { congestion: 'nosuch' }));
    const answer = await raw.next();
    assert.equal(answer.type, 'ERROR');
    assert.deepEqual(answer, {
      type: 'ERROR',
      code: 'E_REFUSED',
      message: `congestion 'nosuch' is not allowed on lab-b: net.ipv4.tcp_allowed_congestion_control allows ${allowed().join(' ')}; the kernel has only ${sysctl('ipv4/tcp_available_congestion_control')} loaded: pick an allowed one, or load its module (modprobe tcp_nosuch) and allow it`,
    });
  } finally {
    await server.close();
  }
});

test('bind: the client sends from the address given, on both data paths; an address not of this host is refused by name', async () => {
  for (const path of ['native', 'js'] as const) {
    for (const test of ['TCP_STREAM', 'UDP_STREAM']) {
      const run = await benchTest([test, '-t', '300ms', '--bind', '127.0.0.1'], path);
      assert.equal(run.status, 'ok', `${path} ${test}: ${run.error?.message}`);
      assert.equal(run.params.bind_address, '127.0.0.1');
    }
  }
  const r = await runCli(['test', 'TCP_STREAM', '-t', '300ms', '--bind', '192.0.2.1', '--json'], { env: { BENCH_DATA_PATH: 'native' } });
  const run = JSON.parse(r.stdout) as RunObject;
  assert.equal(run.error?.code, 'E_DATA_PATH');
  assert.match(run.error!.message, /the data socket refused bind 192\.0\.2\.1 \(EADDRNOTAVAIL\) - is the address one of this host's/);
});

test('the JavaScript data path: no TCP_INFO figures, and the run says why; dscp, mss, congestion and a TCP window refused naming the native path', async () => {
  const run = await benchTest(['TCP_STREAM', '-t', '300ms'], 'js');
  for (const name of TCP_FIGURES) assert.equal((run.summary as StreamFigures)[name], undefined, name);
  assert.deepEqual(run.notes, [
    'no TCP_INFO figures (retransmits, rtt_ms, cwnd_bytes, pmtu): the client ran the JavaScript data path, whose Node sockets do not give TCP_INFO; the native data path reads it (data_path native, built by npm run build)',
  ]);
  const text = await runCli(['test', 'TCP_STREAM', '-t', '300ms'], { env: { BENCH_DATA_PATH: 'js' } });
  assert.match(
    text.stdout,
    /\nnote: no TCP_INFO figures \(retransmits, rtt_ms, cwnd_bytes, pmtu\): the client ran the JavaScript data path/,
  );

  const refused = await runCli(['test', 'TCP_STREAM', '-t', '300ms', '--dscp', 'ef', '--mss', '1000', '--json'], {
    env: { BENCH_DATA_PATH: 'js' },
  });
  const failed = JSON.parse(refused.stdout) as RunObject;
  assert.equal(failed.error?.code, 'E_DATA_PATH');
  assert.match(
    failed.error!.message,
    /dscp ef, mss 1000 cannot be applied on the JavaScript data path \(Node's sockets do not set IP_TOS, TCP_CONGESTION, TCP_MAXSEG or a TCP socket's buffer sizes\): use the native data path/,
  );
  // A UDP socket's buffers are dgram options: window works on the JavaScript path for UDP.
  const udp = await benchTest(['UDP_STREAM', '-t', '300ms', '--window', '1MiB', '-b', '10M'], 'js');
  assert.equal(udp.status, 'ok', udp.error?.message);
});

test('UDP runs carry no TCP figures and no note; dscp and window apply to them on the native path', async () => {
  const run = await benchTest(['UDP_STREAM', '-t', '300ms', '--dscp', 'cs1', '--window', '1MiB', '-b', '10M']);
  assert.equal(run.status, 'ok', run.error?.message);
  for (const name of TCP_FIGURES) assert.equal((run.summary as StreamFigures)[name], undefined, name);
  assert.equal(run.notes, undefined);
  assert.equal(run.params.dscp, 8);
});

test('the options read as a user writes them: DSCP names or numbers, mss within what the kernel takes, congestion a name', () => {
  const dscp = (v: string) => readTestOptions('TCP_STREAM', { dscp: v });
  assert.deepEqual(
    ['cs1', 'AF41', 'ef', 'le', '46', '0'].map((v) => dscp(v).params.dscp),
    [8, 34, 46, 1, 46, 0],
  );
  assert.deepEqual(
    dscp('xx').problems.map((p) => p.message),
    ["dscp must be a DSCP name (cs0-cs7, af11-af43, ef, va, le) or a number from 0 to 63, not 'xx'"],
  );
  assert.deepEqual(
    dscp('64').problems.map((p) => p.message),
    ["dscp must be a DSCP name (cs0-cs7, af11-af43, ef, va, le) or a number from 0 to 63, not '64'"],
  );
  assert.deepEqual(
    readTestOptions('TCP_STREAM', { mss: '50' }).problems.map((p) => p.message),
    ["mss must be at least 88 bytes (the smallest the kernel takes), not 50; or 0 for the path's own"],
  );
  assert.deepEqual(
    readTestOptions('UDP_STREAM', { mss: '1000', congestion: 'reno' }).problems.map((p) => p.message),
    [
      'congestion does not apply to UDP_STREAM (only to TCP_STREAM and TCP_RR)',
      'mss does not apply to UDP_STREAM (only to TCP_STREAM and TCP_RR)',
    ],
  );
  assert.deepEqual(
    readTestOptions('TCP_STREAM', { congestion: 'no such', bind: 'host.example' }).problems.map((p) => p.message),
    [
      "bind must be a numeric IPv4 or IPv6 address, such as 10.0.0.1, not 'host.example'",
      "congestion must be a name of letters, digits, _ . or -, at most 15 characters, such as cubic, not 'no such'",
    ],
  );
});

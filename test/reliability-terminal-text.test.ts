import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { printable } from '../runner/core/terminal-text.js';
import { runCli, startServeProcess } from './helpers/cli.js';
import { startFakeServer } from './helpers/fake-server.js';
import { RawControl, waitUntil } from './helpers/raw-control.js';

/**
 * Text a peer or a file supplies reaches the terminal with its control
 * characters shown as escapes, never obeyed: a server's ERROR could
 * otherwise retitle the window (ESC ] 0 ; ... BEL) or clear the screen (ESC [ 2 J).
 */
const HOSTILE = 'no\x1b]0;pwned\x07 \x1b[2J way\r\u009b31m\u202e';
const SHOWN = 'no\\x1b]0;pwned\\x07 \\x1b[2J way\\x0d\\x9b31m\\u202e';

/** ESC, BEL, CR and the single-byte CSI: any of them in output is a terminal obeying a file or a peer. */
function assertNoControls(text: string, where: string): void {
  const found = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.exec(text);
  assert.equal(found, null, `${where} holds control character ${JSON.stringify(found?.[0])}: ${JSON.stringify(text)}`);
}

test('printable shows C0, C1 and bidirectional controls as escapes and keeps lines only when asked', () => {
  assert.equal(printable(HOSTILE), SHOWN);
  assert.equal(printable('a\nb\tc'), 'a\\x0ab\\x09c');
  assert.equal(printable('a\nb\tc\x1b', { multiline: true }), 'a\nb\tc\\x1b');
  assert.equal(printable('plain, µs, ✓, 日本'), 'plain, µs, ✓, 日本');
});

test("a server's ERROR and WELCOME holding escape sequences reach bench test's terminal as visible escapes", async () => {
  const fake = await startFakeServer({
    welcome: { hostname: `evil${HOSTILE}`, bench_version: '0.1.0' },
    refuse: { type: 'ERROR', code: 'E_REFUSED', message: HOSTILE },
  });
  try {
    const r = await runCli(['test', 'TCP_STREAM', '--peer', `127.0.0.1:${fake.port}`, '--duration', '300ms']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `bench: TCP_STREAM failed: peer 127.0.0.1:${fake.port}: ${SHOWN}\n`);
    assertNoControls(r.stdout, 'stdout');
    assertNoControls(r.stderr, 'stderr');
  } finally {
    await fake.close();
  }
});

test('scenario names, labels and peer names with escape sequences are printed as escapes by validate and run', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bench-terminal-'));
  try {
    // A port nobody listens on: the run fails at once, and its failure is printed with its label.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const file = join(dir, 's.yaml');
    await writeFile(
      file,
      [
        'name: "evil\\e]0;pwned\\a"',
        'peers:',
        `  p1: { host: 127.0.0.1, port: ${port} }`,
        'runs:',
        '  - test: TCP_RR',
        '    label: "lbl\\e[2J\\u009b"',
        '    duration: 1s',
        '    peer: p1',
        '',
      ].join('\n'),
    );
    // A scenario refused for a hostile key shows the key escaped, in its FILE:LINE:COL line.
    const badFile = join(dir, 'bad.yaml');
    await writeFile(badFile, 'name: x\npeers:\n  "p\\e[2J": { host: 127.0.0.1 }\nruns:\n  - test: TCP_RR\n');
    const refused = await runCli(['validate', badFile]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /bad\.yaml:3:3: peer name 'p\\x1b\[2J' may hold only/);
    assertNoControls(refused.stderr, 'bench validate refusal');

    const validated = await runCli(['validate', file]);
    assert.equal(validated.code, 0, validated.stderr);
    assert.match(validated.stdout, /valid scenario 'evil\\x1b\]0;pwned\\x07'/);
    assert.match(validated.stdout, /lbl\\x1b\[2J\\x9b/);
    assertNoControls(validated.stdout + validated.stderr, 'bench validate output');

    // --keep-going, so that the run against the dead peer is made, and its label printed with its failure.
    const ran = await runCli(['run', file, '--out', join(dir, 'out'), '--keep-going']);
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(ran.stdout + ran.stderr, /lbl\\x1b\[2J\\x9b: E_PEER_UNREACHABLE/);
    assertNoControls(ran.stdout, 'bench run stdout');
    assertNoControls(ran.stderr, 'bench run stderr');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("bench serve's log shows a hostile client's version string as escapes", async () => {
  const serve = await startServeProcess();
  try {
    const raw = await RawControl.connect(serve.port);
    raw.send({ type: 'HELLO', protocol: 99, bench_version: '\x1b]0;x\x07\u009b2J' });
    await raw.waitClosed(5000);
    await waitUntil(() => serve.log().includes('status=failed'), 5000, 'the server logged the refused client');
    assert.match(serve.log(), /the client \(bench \\u001b\]0;x\\u0007\\x9b2J\) speaks 99/);
    assertNoControls(serve.log(), 'the server log');
  } finally {
    await serve.stop();
  }
});

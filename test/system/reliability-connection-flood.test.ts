import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { CLI, parseRun, runCli } from '../helpers/cli.js';
import { waitUntil } from '../helpers/raw-control.js';

/**
 * The attack of issue 17 item 12: 20,000 idle connections held against
 * `bench serve --token-file F` with an open-file limit of 20,000. Before the
 * handshake caps, they took every descriptor and a client with the right
 * token was closed unseen on accept. Now the server keeps at most 256 of them
 * (the oldest idle go first), logs a summary a second, and the client runs.
 */
const HOSTILE = 20_000;
/** Hostile processes: one process may not hold 20,000 descriptors where the hard limit is 20,000 (no CAP_SYS_RESOURCE to raise it). */
const HOLDERS = 4;
/** Source addresses per hostile process: 12 in all, more than the 256 / 32 that fill the total cap. */
const ADDRESSES_EACH = 3;
const ADDRESSES = HOLDERS * ADDRESSES_EACH;
/**
 * Half the flood: the report's 19,995 connections against 20,000 descriptors came close to the limit; here
 * the flood is surely past it, whatever the kernel's accept backlog drops on a loaded machine.
 */
const FD_LIMIT = 10_000;
const HOLDER = fileURLToPath(new URL('./hold-idle-connections.js', import.meta.url));

interface Child {
  child: ChildProcess;
  out(): string;
  err(): string;
}

/** A child with its own open-file limit (root may raise it): `ulimit -n` in a shell that then execs node. */
function spawnWithFdLimit(limit: number, args: string[]): Child {
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('bash', ['-c', `ulimit -n ${limit} && exec '${process.execPath}' ${quoted}`], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, out: () => out, err: () => err };
}

/** The child's first line on stdout, or its failure if it exits first. */
async function firstLine(c: Child, timeoutMs: number, what: string): Promise<string> {
  await waitUntil(() => c.out().includes('\n') || c.child.exitCode !== null, timeoutMs, what);
  if (!c.out().includes('\n')) throw new Error(`${what}: exited with ${c.child.exitCode}: ${c.err()}`);
  return c.out().split('\n')[0];
}

function stop(c: Child): Promise<void> {
  return new Promise((resolve) => {
    if (c.child.exitCode !== null || c.child.signalCode !== null) return resolve();
    c.child.once('exit', () => resolve());
    c.child.kill('SIGKILL');
  });
}

test(`a client with the right token runs TCP_RR while ${HOSTILE} idle connections from ${ADDRESSES} addresses are held against a server with ${FD_LIMIT} open files (theirs: 20,000)`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-flood-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const server = spawnWithFdLimit(FD_LIMIT, [CLI, 'serve', '--host', '127.0.0.1', '--port', '0', '--token-file', tokenFile]);
  let holders: Child[] = [];
  try {
    await waitUntil(() => /listening address=\S*:(\d+)/.test(server.err()), 15_000, `the server listens: ${server.err()}`);
    const port = Number(/listening address=\S*:(\d+)/.exec(server.err())![1]);

    const floodStarted = Date.now();
    holders = Array.from({ length: HOLDERS }, (_, h) =>
      spawnWithFdLimit(20_000, [HOLDER, String(port), String(HOSTILE / HOLDERS), String(h * ADDRESSES_EACH), String(ADDRESSES_EACH)]),
    );
    const floods = await Promise.all(
      holders.map(
        async (h, i) =>
          JSON.parse(await firstLine(h, 120_000, `hostile process ${i} opens its connections`)) as {
            opened: number;
            failed: number;
            failures: Record<string, number>;
            closed_by_server: number;
          },
      ),
    );
    const floodSeconds = (Date.now() - floodStarted) / 1000;
    t.diagnostic(`hostile: ${JSON.stringify(floods)} in ${floodSeconds.toFixed(1)}s`);
    assert.equal(
      floods.reduce((n, f) => n + f.opened, 0),
      HOSTILE,
      `every hostile connection was accepted: ${JSON.stringify(floods.map((f) => f.failures))}`,
    );

    // All of them still held on the hostile side; the right client gets in and measures.
    const r = await runCli(
      [
        'test',
        'TCP_RR',
        '--peer',
        `127.0.0.1:${port}`,
        '--duration',
        '1s',
        '--interval',
        '500ms',
        '--timeout',
        '5s',
        '--token-file',
        tokenFile,
        '--json',
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const run = parseRun(r.stdout);
    assert.equal(run.status, 'ok');
    assert.ok((run.summary as { transactions: number }).transactions > 0);

    // Every hostile connection ends up in the log once: closed for room (in a 'refused' summary), or cut at
    // the handshake deadline (one line each up to 10 a second, the rest counted in a 'suppressed' line).
    const sum = (pattern: RegExp): number => [...server.err().matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0);
    const accounted = (): number =>
      sum(/ refused connections=(\d+) addresses=\d+ reason=/g) +
      server.err().split(' test=- status=failed ').length -
      1 +
      sum(/ suppressed event=test lines=(\d+) /g);
    // Not all 20,000 reach the server: on a loaded machine the kernel drops some from a full accept backlog,
    // and the hostile side never learns (it sends nothing). What reached it is accounted for, once each.
    t.diagnostic(`the server accounted for ${accounted()} of ${HOSTILE} hostile connections`);
    assert.ok(accounted() <= HOSTILE);
    const summaries = [...server.err().matchAll(/ refused connections=(\d+) addresses=(\d+) reason="([^"]+)"/g)];
    assert.ok(sum(/ refused connections=(\d+) /g) > 0, 'the caps closed connections');
    assert.ok(summaries.every((m) => Number(m[2]) <= ADDRESSES));
    assert.ok(
      summaries.every((m) =>
        /^(pending cap 256|per-address cap 32|pending cap 256 and per-address cap 32) reached: closed the oldest idle connections that had not finished the handshake$/.test(
          m[3],
        ),
      ),
      summaries.map((m) => m[3]).join('\n'),
    );
    assert.equal(
      server.err().split(' test=- status=failed ').length -
        1 -
        (server.err().match(/still waiting for HELLO\) - is it a bench client\?"/g) ?? []).length,
      0,
      'every single line is a handshake deadline',
    );
    // The log stays bounded: per second, one summary, one 'suppressed' line and at most 10 single failures.
    const seconds = Math.ceil((Date.now() - floodStarted) / 1000) + 1;
    const lines = server.err().split('\n').length;
    t.diagnostic(`server log: ${lines} lines over ${seconds}s`);
    assert.ok(lines <= seconds * 12 + 10, `the server logged ${lines} lines for ${HOSTILE} connections in ${seconds}s`);
    assert.doesNotMatch(server.err(), /open-files|accept-error/);

    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'));
    if (rss) t.diagnostic(`server resident memory with the connections held: ${(Number(rss[1]) / 1024).toFixed(0)} MB`);
  } finally {
    await Promise.all(holders.map(stop));
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

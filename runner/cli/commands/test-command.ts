import { resolveParams, type RawTestOptions } from '../../core/resolve-params.js';
import type { PeerAddress, RunTestOptions } from '../../core/run-events.js';
import { parseDuration } from '../../core/units.js';
import { formatPeer, parsePeer } from '../../client/peer-address.js';
import { runRemoteTest } from '../../client/remote-test.js';
import { runTest } from '../../client/run-test.js';
import { UsageError } from '../../core/errors.js';
import { useColor } from '../color.js';
import { terminalWidth } from '../terminal-width.js';
import { EXIT } from '../report-failure.js';
import { paramsText } from '../figure-text.js';
import { intervalLine, summaryTable } from '../test-output/print-run.js';

export interface TestCommandOptions {
  peer?: string;
  from?: string;
  duration?: string | number;
  interval?: string | number;
  omit?: string | number;
  size?: string | number;
  requestSize?: string | number;
  responseSize?: string | number;
  rate?: string | number;
  streams?: string | number;
  reverse?: boolean;
  timeout?: string | number;
  wait?: string | number;
  tokenFile?: string;
  json?: boolean;
  color?: boolean;
}

/** `bench test X`: one run, live intervals, a summary table; or one JSON run object with --json. */
export async function testCommand(testName: string, options: TestCommandOptions): Promise<number> {
  const raw: RawTestOptions = {
    duration: options.duration,
    interval: options.interval,
    omit: options.omit,
    size: options.size,
    request_size: options.requestSize,
    response_size: options.responseSize,
    rate: options.rate,
    streams: options.streams,
    reverse: options.reverse,
    timeout: options.timeout,
  };
  const params = resolveParams(testName, raw);
  const wait_s = options.wait !== undefined ? parseDuration(options.wait, 'wait') : 0;
  let peer: PeerAddress | undefined;
  if (options.peer) peer = { ...parsePeer(String(options.peer)), token_file: options.tokenFile };
  let from: PeerAddress | undefined;
  if (options.from !== undefined) {
    if (!peer) throw new UsageError('--from needs --peer: the bench server the test goes to (the embedded server lives only in this process)');
    from = { ...parsePeer(String(options.from)), token_file: options.tokenFile };
  }

  const out = process.stdout;
  const say = (line: string): void => {
    if (!options.json) out.write(`${line}\n`);
  };
  const abort = new AbortController();
  const onSigint = (): void => {
    process.stderr.write('\nbench: interrupted - stopping the run and reporting what was measured\n');
    abort.abort();
  };
  process.once('SIGINT', onSigint);

  let shown = 0;
  const ends = from ? `from ${formatPeer(from)} to ${formatPeer(peer!)}` : `with ${peer ? formatPeer(peer) : 'the embedded server on loopback'}`;
  say(`bench ${params.test} ${ends}: ${paramsText(params)}${params.omit_s > 0 ? `, omit ${params.omit_s}s` : ''}`);
  const runOptions: RunTestOptions = {
    params,
    peer,
    wait_s,
    signal: abort.signal,
    onEvent: (event) => {
      if (event.type === 'queued') process.stderr.write(`bench: queued behind ${event.position} test${event.position === 1 ? '' : 's'} on the server; waiting\n`);
      if (event.type === 'interval') {
        say(intervalLine(params.test, event.record));
        shown++;
      }
    },
  };
  const run = from && peer ? await runRemoteTest({ ...runOptions, peer, from }) : await runTest(runOptions);
  process.off('SIGINT', onSigint);

  if (options.json) {
    out.write(`${JSON.stringify(run, null, 2)}\n`);
  } else if (run.status === 'ok') {
    // The last interval closes at the stream's end, after the live samples: print it from the result.
    for (const record of run.intervals.slice(shown)) say(intervalLine(run.test, record));
    say(summaryTable(run, useColor(out, options.color), terminalWidth(out)));
  }
  if (run.status !== 'ok' || run.interrupted) {
    process.stderr.write(`bench: ${run.params.test} ${run.interrupted ? 'interrupted' : 'failed'}: ${run.error?.message ?? 'unknown error'}\n`);
  }
  if (run.interrupted) return EXIT.interrupted;
  return run.status === 'ok' ? EXIT.ok : EXIT.failed;
}

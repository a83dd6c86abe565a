import { UsageError } from '../../core/errors.js';
import { cliOptionName, describeParams, PARAM_LIST } from '../../core/params.js';
import { problemsText, readTestOptions, type RawTestOptions } from '../../core/resolve-params.js';
import type { PeerAddress, RunTestOptions } from '../../core/run-events.js';
import { printable } from '../../core/terminal-text.js';
import { runRemoteTest } from '../../client/remote-test.js';
import { formatPeer, parsePeer } from '../../client/connect-control.js';
import { runTestOrEmbedded } from '../local-run.js';
import { JsonEventStream, type RunRef } from '../event-stream.js';
import { useColor } from '../color.js';
import { terminalWidth } from '../terminal-width.js';
import { EXIT } from '../report-failure.js';
import { intervalLine, summaryTable } from '../test-output/print-run.js';

/** cac's options: one per declared parameter (under its camelCase name), and these. */
export interface TestCommandOptions {
  [option: string]: unknown;
  tokenFile?: string;
  json?: boolean;
  jsonStream?: boolean;
  color?: boolean;
}

/** `bench test X`: one run, live intervals, a summary table; or one JSON run object with --json. */
export async function testCommand(testName: string, options: TestCommandOptions): Promise<number> {
  const raw: RawTestOptions = {};
  for (const param of PARAM_LIST) if (param.cli) raw[param.key] = options[cliOptionName(param)];
  const { params, problems, peer: peerText, from: fromText, wait_s, data_path } = readTestOptions(testName, raw);
  if (problems.length > 0) throw new UsageError(problemsText(problems));
  let peer: PeerAddress | undefined;
  if (peerText !== undefined) peer = { ...parsePeer(peerText), token_file: options.tokenFile };
  let from: PeerAddress | undefined;
  if (fromText !== undefined) {
    if (!peer)
      throw new UsageError('--from needs --peer: the bench server the test goes to (the embedded server lives only in this process)');
    from = { ...parsePeer(fromText), token_file: options.tokenFile };
  }

  if (options.json && options.jsonStream)
    throw new UsageError(
      '--json and --json-stream both write stdout: choose one (--json-stream ends with the same run object, in run_end)',
    );
  const out = process.stdout;
  // With --json-stream, stdout carries the events and nothing else (schemas/events.schema.json).
  const stream = options.jsonStream ? new JsonEventStream(out) : null;
  const ref: RunRef = { label: params.test, test: params.test, position: 1, total: 1, repeat: 1 };
  const say = (line: string): void => {
    if (!options.json && !stream) out.write(`${line}\n`);
  };
  const abort = new AbortController();
  const onSigint = (): void => {
    process.stderr.write('\nbench: interrupted - stopping the run and reporting what was measured\n');
    abort.abort();
  };
  process.once('SIGINT', onSigint);

  let shown = 0;
  const ends =
    from && peer
      ? `from ${printable(formatPeer(from))} to ${printable(formatPeer(peer))}`
      : `with ${peer ? printable(formatPeer(peer)) : 'the embedded server on loopback'}`;
  say(`bench ${params.test} ${ends}: ${describeParams(params)}`);
  stream?.emit({
    event: 'run_start',
    run: ref,
    peer: from && peer ? `${formatPeer(from)} -> ${formatPeer(peer)}` : peer ? formatPeer(peer) : 'local',
    params,
  });
  let shownPosition = 0;
  const runOptions: RunTestOptions = {
    params,
    peer,
    wait_s: wait_s ?? 0,
    data_path,
    signal: abort.signal,
    onEvent: (event) => {
      stream?.runEvent(ref, event);
      // The server repeats QUEUED as a keep-alive while nothing moves: a line only when the position changes.
      if (event.type === 'queued' && event.position !== shownPosition) {
        shownPosition = event.position;
        process.stderr.write(`bench: queued behind ${event.position} test${event.position === 1 ? '' : 's'} on the server; waiting\n`);
      }
      if (event.type === 'interval') {
        say(intervalLine(params.test, event.record));
        shown++;
      }
    },
  };
  const run = from && peer ? await runRemoteTest({ ...runOptions, peer, from }) : await runTestOrEmbedded(runOptions);
  process.off('SIGINT', onSigint);

  if (stream) {
    stream.runEnd(ref, run);
  } else if (options.json) {
    out.write(`${JSON.stringify(run, null, 2)}\n`);
  } else if (run.status === 'ok') {
    // The last interval closes at the stream's end, after the live samples: print it from the result.
    for (const record of run.intervals.slice(shown)) say(intervalLine(run.test, record));
    say(summaryTable(run, useColor(out, options.color), terminalWidth(out)));
  }
  if (run.status !== 'ok' || run.interrupted) {
    process.stderr.write(
      `bench: ${run.params.test} ${run.interrupted ? 'interrupted' : 'failed'}: ${printable(run.error?.message ?? 'unknown error', { multiline: true })}\n`,
    );
  }
  if (run.interrupted) return EXIT.interrupted;
  return run.status === 'ok' ? EXIT.ok : EXIT.failed;
}

#!/usr/bin/env node
import { cac } from 'cac';
import {
  DEFAULT_FLOORS,
  DEFAULT_LISTEN_HOST,
  DEFAULT_PORT,
  DEFAULT_SERVER_LIMITS,
  DEFAULT_THRESHOLD,
  DEFAULT_TIMEOUT_S,
} from '../core/defaults.js';
import { UsageError } from '../core/errors.js';
import { benchVersion } from '../core/package-paths.js';
import { cliOption, PARAM_LIST, showValue } from '../core/params.js';
import { reportFailure } from './report-failure.js';
import { didYouMean, listWords } from '../scenario/did-you-mean.js';
import { TEST_NAMES } from '../core/test-params.js';

/**
 * The command table. Each command imports its work lazily (as Vite's cli.ts
 * does), so `bench --help` loads nothing heavy; failures are caught once, in
 * reportFailure, which prints one clear line and picks the exit code.
 */
const cli = cac('bench');
/** Every command that prints takes --no-color, so a script can pass it to any of them (runner/cli/color.ts says what else decides). */
const NO_COLOR_HELP = 'No colour in output (also NO_COLOR=1; FORCE_COLOR=1 forces it)';

// `bench test | head` closes our stdout early: that is the reader being done, not a failure.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

cli
  .command('serve', 'Serve tests to bench clients, one at a time, queueing the rest')
  .option('--host <addr>', `Address to listen on (default: ${DEFAULT_LISTEN_HOST})`)
  .option('--port <port>', `Control port (default: ${DEFAULT_PORT})`)
  .option(
    '--timeout <duration>',
    `Declare a silent peer dead after this long (default: ${showValue({ kind: 'duration' }, DEFAULT_TIMEOUT_S)})`,
  )
  .option('--max-queue <n>', `Most clients waiting at once (default: ${DEFAULT_SERVER_LIMITS.max_queue})`)
  .option('--token-file <file>', 'Require clients to prove they hold the secret in this file')
  .option(
    '--max-duration <duration>',
    `Longest test a client may ask for (default: ${showValue({ kind: 'duration' }, DEFAULT_SERVER_LIMITS.max_duration_s)})`,
  )
  .option(
    '--max-streams <n>',
    `Most data connections a test may open: its streams, twice with bidir, each way and one for probes with RRUL (default: ${DEFAULT_SERVER_LIMITS.max_streams})`,
  )
  .option(
    '--max-size <bytes>',
    `Largest message a client may ask for (default: ${showValue({ kind: 'size' }, DEFAULT_SERVER_LIMITS.max_size_bytes)})`,
  )
  .option('--max-rate <rate>', `Highest UDP rate a client may ask for (0: no limit; default: ${DEFAULT_SERVER_LIMITS.max_rate_bps})`)
  .option('--allow <tests>', `Comma-separated tests clients may run (default: ${DEFAULT_SERVER_LIMITS.allowed_tests.join(',')})`)
  .option('--json-log', 'Log one JSON object per line instead of text')
  .option('--allow-remote', 'Run tests as the client for an orchestrator holding the token (needs --token-file)')
  .option('--name <name>', 'The name this server reports to clients (default: the host name)')
  .option('--max-pending <n>', 'Most connections still in the handshake at once; the oldest idle one is closed beyond it (default 256)')
  .option('--max-pending-per-address <n>', 'The same, per source address (default 32)')
  .option('--handshake-timeout <duration>', 'Time a new connection has to send HELLO, the token and its request (default 5s)')
  .option('--health-port <port>', 'Answer GET /healthz over HTTP on this port, outside the test queue (default: off)')
  .option('--no-color', NO_COLOR_HELP)
  .option(
    '--ephemeral-data-ports',
    'Open a fresh data port per stream, as before, instead of taking data on --port (TCP and UDP); a firewall must then let any port through',
  )
  .example('bench serve --port 7575')
  .example('bench serve --allow-remote --token-file /etc/bench/token --name lab-a')
  .action((options) => dispatch(options, () => import('./commands/serve-command.js').then((m) => m.serveCommand(options))));

const benchTestCommand = cli.command('test <test>', `Run one test: ${listWords(TEST_NAMES, 'or')}`);
// Every run parameter from its declaration (core/params.ts): no default is written here, so unset stays unset.
for (const param of PARAM_LIST) {
  if (!param.cli) continue;
  const { flag, help } = cliOption(param);
  benchTestCommand.option(flag, help);
}
benchTestCommand
  .option('--token-file <file>', 'Secret shared with a server started with --token-file')
  .option('--json', 'Print exactly one run object as JSON on stdout')
  .option('--json-stream', 'Print JSON Lines events on stdout as they happen: run_start, interval, run_end (docs/exports.md)')
  .option('--no-color', NO_COLOR_HELP)
  .example('bench test TCP_STREAM --peer 10.0.0.2 --duration 30s --omit 2s')
  .action((test, options) => dispatch(options, () => import('./commands/test-command.js').then((m) => m.testCommand(test, options))));

cli
  .command('run <file>', 'Run every run of a scenario file, one after another')
  .option('-o, --output, --out <dir>', 'Results folder; it must hold no bench output yet (default: results/<name>-<UTC timestamp>)')
  .option('--quiet', 'No progress output')
  .option('--json', 'Print the final results JSON on stdout and nothing else there')
  .option('--json-stream', 'Print JSON Lines events on stdout as they happen: run_start, interval, run_end, scenario_end (docs/exports.md)')
  .option('--push <url>', "Push each run's metrics to a Prometheus Pushgateway as it ends; a failed push never fails the scenario")
  .option(
    '--only <pattern>',
    'Run only runs whose label contains this pattern, case ignored; * matches any text, ? one character (rate=1* keeps rate=1G and rate=100M)',
  )
  .option('--set <key=value>', 'Override a default for every run (repeatable)')
  .option('--note <text>', 'A note stored with the results')
  .option('--keep-going', 'Run even when a peer fails the check made before the first run; the runs that need it are recorded as failed')
  .option('--no-color', NO_COLOR_HELP)
  .example('bench run scenarios/quickstart.yaml --set duration=1s')
  .example('bench run lab.yaml -o results/lab-baseline --keep-going')
  .action((file, options) =>
    dispatch(options, () => import('./commands/run-command.js').then((m) => m.runCommand(file, options)), ['set']),
  );

cli
  .command('validate <file>', 'Check a scenario file without running it')
  .option('--set <key=value>', 'Check with this override, as bench run --set would apply it (repeatable)')
  .option('--no-color', NO_COLOR_HELP)
  .action((file, options) =>
    dispatch(options, () => import('./commands/validate-command.js').then((m) => m.validateCommand(file, options)), ['set']),
  );

cli
  .command('report <results>', 'Render a report from results.json, a results folder, or the results.jsonl a crash left')
  .option('--format <format>', 'html, md, junit, csv or openmetrics (docs/exports.md)', { default: 'html' })
  .option('--template <file>', 'Your own Handlebars template (printed on stdout unless -o is given)')
  .option('-o, --output <file>', 'Where to write the report (default: report.<format> beside the results file)')
  .option('--force', 'Replace the report.<format> already beside the results file')
  .option('--no-color', NO_COLOR_HELP)
  .example('bench report results/lab-20261125T010203Z/results.json --format md -o lab.md')
  .example('bench report results.json --template my-report.hbs > custom.txt')
  .example('bench report results/lab-20261125T010203Z/results.json --format junit -o junit.xml')
  .action((results, options) =>
    dispatch(options, () => import('./commands/report-command.js').then((m) => m.reportCommand(results, options))),
  );

const defaultFloorsText = Object.entries(DEFAULT_FLOORS)
  .map(([name, value]) => `${name}=${value}`)
  .join(', ');
cli
  .command('compare <base> <new>', 'Compare two results files (or folders) and flag regressions (exit 1; 2 when nothing matched)')
  .option('--threshold <percent>', 'Smallest change that can count as a regression', { default: DEFAULT_THRESHOLD })
  .option('--figures <names>', "Comma-separated figures to compare, or all (default: each test's headline figures)")
  .option(
    '--floor <figure=value>',
    `A change no larger than this, in the figure's unit, is never flagged (repeatable; defaults: ${defaultFloorsText})`,
  )
  .option('--format <format>', 'text, md, html or json', { default: 'text' })
  .option('--no-color', NO_COLOR_HELP)
  .example('bench compare before/results.json after/results.json --threshold 3%')
  .example('bench compare base.json new.json --figures throughput_mbps,latency_us.p99 --floor loss_percent=0.5 --format json')
  .action((base, next, options) =>
    dispatch(options, () => import('./commands/compare-command.js').then((m) => m.compareCommand(base, next, options)), ['floor']),
  );

// cac gives a --no-X option the default true, and shows it: `--no-color ... (default: true)` reads as colour off by default.
cli.help((sections) =>
  sections.map((section) => ({ ...section, body: section.body.replace(/^( +--no-[\w-]+ .*?) ?\(default: true\)$/gm, '$1') })),
);
cli.version(benchVersion);

function dispatch(options: Record<string, unknown>, work: () => Promise<number>, repeatable: readonly string[] = []): void {
  Promise.resolve()
    .then(() => {
      singleValues(options, repeatable);
      return work();
    })
    .then(
      (code) => {
        process.exitCode = code;
      },
      (err: unknown) => {
        process.exitCode = reportFailure(err);
      },
    );
}

/** cac gathers a repeated option into a list; only the options in `repeatable` mean anything repeated. */
function singleValues(options: Record<string, unknown>, repeatable: readonly string[]): void {
  for (const [name, value] of Object.entries(options)) {
    if (name === '--' || repeatable.includes(name) || !Array.isArray(value)) continue;
    const flag = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new UsageError(`--${flag} is given ${value.length} times (${value.map(String).join(', ')}): give it once`);
  }
}

/**
 * `--duration -1s` would read as a flag `-1`: a value that looks like a
 * negative number is joined to the option before it, so the option's own check
 * says what is wrong with it (duration must be more than 0s, not '-1s').
 */
function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (/^--[a-z][\w-]*$/.test(argv[i]) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

/**
 * `-o a --out b`: cac keeps the first and drops the second without a word
 * (its parser folds aliases before it sees a repeat). An option given under
 * two of its names is refused, as one given twice under one name is.
 */
function mixedAliases(options: ReadonlyArray<{ names: string[]; rawName: string }>, argv: readonly string[]): void {
  const flagOf = (name: string): string => (name.length === 1 ? `-${name}` : `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  for (const option of options) {
    if (option.names.length < 2) continue;
    const flags = option.names.map(flagOf);
    const given = new Set(argv.filter((a) => flags.some((f) => a === f || a.startsWith(`${f}=`))).map((a) => a.split('=')[0]));
    if (given.size > 1) throw new UsageError(`${[...given].join(' and ')} are one option (${option.rawName}): give it once`);
  }
}

/** cac's words for a mistyped option, with the nearest real one and the command's own help. */
function usageFromCac(err: Error): UsageError {
  const name = cli.matchedCommandName ?? cli.args[0];
  const help = name ? `bench ${name} --help` : 'bench --help';
  const unknown = /^Unknown option `(-{1,2}[^`]+)`/.exec(err.message);
  if (unknown) {
    const known = (cli.matchedCommand?.options ?? []).flatMap((o) =>
      o.names.map((n) => (n.length === 1 ? `-${n}` : `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)),
    );
    const suggestion = didYouMean(
      unknown[1],
      [...new Set(known)].filter((f) => f.startsWith('--')),
    );
    return new UsageError(`unknown option '${unknown[1]}'${suggestion ? `: did you mean '${suggestion}'?` : ''} - see ${help}`);
  }
  return new UsageError(`${err.message.replace(/\.$/, '')} - see ${help}`);
}

try {
  try {
    cli.parse(joinNegativeValues(process.argv), { run: false });
  } catch (err) {
    throw err instanceof Error && err.name === 'CACError' ? usageFromCac(err) : err;
  }
  if (!cli.matchedCommand && cli.args.length > 0) {
    throw new UsageError(`unknown command '${cli.args[0]}': see bench --help`);
  }
  if (cli.matchedCommand) {
    // An argument the command does not take is a mistake (a stray word, a missing --): never ignored silently.
    const declared = cli.matchedCommand.args.length;
    if (cli.args.length > declared) {
      throw new UsageError(
        `bench ${cli.matchedCommand.name} takes ${declared} argument${declared === 1 ? '' : 's'}; '${cli.args[declared]}' is one too many - see bench ${cli.matchedCommand.name} --help`,
      );
    }
    mixedAliases(cli.matchedCommand.options, process.argv.slice(2));
  }
  if (!cli.matchedCommand && !cli.options.help && !cli.options.version) {
    cli.outputHelp();
  } else {
    try {
      await cli.runMatchedCommand();
    } catch (err) {
      throw err instanceof Error && err.name === 'CACError' ? usageFromCac(err) : err;
    }
  }
} catch (err) {
  process.exitCode = reportFailure(err);
}

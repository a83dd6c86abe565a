import { join } from 'node:path';
import type { ResultsFile } from '../../core/results-file.js';
import { buildResults } from '../../scenario/build-results.js';
import { resolveDnsGroups } from '../../scenario/fleet-plan.js';
import { loadScenario } from '../../scenario/load-scenario.js';
import { filterGroups } from '../../scenario/only-filter.js';
import { createResultsFolder, RunLog, writeResultsFile } from '../../scenario/results-folder.js';
import { executeRuns, type ScenarioObserver } from '../../scenario/run-scenario.js';
import { BenchError, type BenchErrorCode, UsageError } from '../../core/errors.js';
import { JsonEventStream } from '../event-stream.js';
import { MetricsPusher } from '../metrics-push.js';
import { planRuns } from '../../scenario/expand-plan.js';
import { DEFAULT_REPORT_FORMATS, type ReportFormat } from '../../scenario/scenario-model.js';
import { planWarnings, resultWarnings } from '../../scenario/shaky-figures.js';
import { printable } from '../../core/terminal-text.js';
import { EXIT, scenarioExitCode } from '../report-failure.js';
import { terminalWidth, visibleLength, wrapLines } from '../terminal-width.js';
import { type Palette, palette, useColor } from '../color.js';
import { checkPeers, type PeerCheckOutcome, type PeerToCheck, peersToCheck } from '../../scenario/peer-check.js';
import type { PlannedRun } from '../../scenario/scenario-model.js';
import { renderFinalSummary } from '../scenario-output/final-summary.js';
import { planHeadline } from '../scenario-output/plan-listing.js';
import { ScenarioProgress } from '../scenario-output/progress-line.js';

export interface RunCommandOptions {
  out?: string;
  quiet?: boolean;
  json?: boolean;
  jsonStream?: boolean;
  push?: string;
  only?: string;
  /** A string, or an array when repeated (as cac gives it). */
  set?: string | string[];
  note?: string | number;
  /** false with --no-color. */
  color?: boolean;
  /** Run even when a peer fails the check before the first run; its runs are recorded as failed. */
  keepGoing?: boolean;
}

/**
 * `bench run FILE`: validate everything first (a bad file runs nothing, exit
 * 2), then run each run in turn, appending each result to results.jsonl as it
 * ends, and finish with results.json, reports and the summary. Ctrl-C stops
 * the current run, keeps what was measured, and exits 130.
 */
export async function runCommand(file: string, options: RunCommandOptions = {}): Promise<number> {
  if (options.json && options.jsonStream)
    throw new UsageError(
      '--json and --json-stream both write stdout: choose one (--json-stream ends with every run object, in run_end events)',
    );
  const { probePeer } = await import('../../client/probe-peer.js');
  // DNS groups are resolved before anything runs: the plan, its count and --only then see every member.
  const loaded = await resolveDnsGroups(await loadScenario(file, { set: options.set }), probePeer, (line) => {
    if (!options.quiet) process.stderr.write(`${printable(line)}\n`);
  });
  const groups = filterGroups(loaded.groups, options.only === undefined ? undefined : String(options.only));
  const runs = planRuns(groups);
  // A typo in --push is a usage error now, not one failed push per run later.
  const pusher =
    options.push === undefined
      ? null
      : new MetricsPusher(String(options.push), loaded.spec.name, (line) => process.stderr.write(`${line}\n`));

  // With --json or --json-stream, stdout carries JSON and nothing else; people read stderr.
  const stream = options.jsonStream ? new JsonEventStream(process.stdout) : null;
  const human = options.json || stream ? process.stderr : process.stdout;
  const colours = palette(useColor(human, options.color));
  const progressColours = palette(useColor(process.stderr, options.color));
  const live = process.stderr.isTTY === true && process.env.TERM !== 'dumb';
  const progress = options.quiet ? undefined : new ScenarioProgress(process.stderr, live, progressColours, runs);

  // Wrapped to the terminal, as the lines after it are: a terminal's own fold cuts a word in two.
  const stderrWidth = terminalWidth(process.stderr);
  if (!options.quiet) process.stderr.write(`${wrapLines(`${printable(loaded.spec.name)}: ${planHeadline(groups, runs)}`, stderrWidth)}\n`);
  // Every peer is checked before the results folder exists: a dead one stops the scenario before anything is measured.
  await checkPlanPeers(runs, { quiet: options.quiet === true, keepGoing: options.keepGoing === true, colours: progressColours });

  // From the moment the folder exists, Ctrl-C must end in a written results.json, never in a bare folder.
  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    controller.abort();
    progress?.finish();
    process.stderr.write('interrupted: stopping the current run and writing what was measured (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', onInterrupt);
  let outcome: Awaited<ReturnType<typeof executeRuns>>;
  const startedAt = new Date();
  let dir: string;
  try {
    dir = await createResultsFolder(options.out, loaded.spec.name, startedAt);
    const log = await RunLog.open(dir);
    if (!options.quiet) process.stderr.write(`${wrapLines(`Results go to ${printable(dir)}`, stderrWidth)}\n`);
    try {
      const { runTestOrEmbedded: runTest } = await import('../local-run.js');
      const { runRemoteTest } = await import('../../client/remote-test.js');
      const observer = combineObservers([progress, stream?.scenarioObserver(), pusher?.observer()]);
      outcome = await executeRuns(runs, { runTest, runRemoteTest, log, signal: controller.signal, observer });
    } finally {
      await log.close();
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  progress?.finish();

  const results = buildResults({
    loaded,
    groups,
    runs: outcome.results,
    interrupted: outcome.interrupted,
    startedAt,
    finishedAt: new Date(),
    note: options.note === undefined ? undefined : String(options.note),
  });
  if (pusher) results.push = await pusher.finish();
  const resultsPath = await writeResultsFile(dir, results);
  const formats = loaded.spec.report?.formats ?? DEFAULT_REPORT_FORMATS;
  const reports = await renderScenarioReports(results, formats, dir, (line) => process.stderr.write(`${line}\n`));

  if (!(options.json && options.quiet)) {
    const ran = groups.filter((g) => results.groups.some((r) => r.label === g.label));
    const warnings = [...planWarnings(ran), ...resultWarnings(results.groups)];
    human.write(renderFinalSummary(results, groups, warnings, [resultsPath, ...reports.written], colours, terminalWidth(human)));
  }
  if (options.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  const scenarioCode = scenarioExitCode(results);
  // A report the disk did not take is a failure to deliver, even when every run went well.
  const code = reports.failed && scenarioCode !== EXIT.interrupted ? EXIT.failed : scenarioCode;
  stream?.emit({
    event: 'scenario_end',
    scenario: loaded.spec.name,
    verdict: {
      runs: results.runs.length,
      ok: results.runs.filter((r) => r.status === 'ok' && r.interrupted !== true).length,
      failed: results.runs.filter((r) => r.status === 'failed').length,
      interrupted: results.interrupted === true,
      expectations_met: results.expectations.filter((e) => e.ok).length,
      expectations: results.expectations.length,
      exit_code: code,
    },
    results: resultsPath,
  });
  return code;
}

/**
 * Checks every peer the plan names, all at once, before the first run. A
 * peer that fails stops the scenario (exit 1), each failure said with its
 * error; with --keep-going, a warning, and the runs go ahead.
 */
async function checkPlanPeers(runs: readonly PlannedRun[], how: { quiet: boolean; keepGoing: boolean; colours: Palette }): Promise<void> {
  const peers = peersToCheck(runs);
  if (peers.length === 0) return;
  const width = terminalWidth(process.stderr);
  const say = (line: string): void => {
    if (!how.quiet) process.stderr.write(`${line}\n`);
  };
  say(checkingLine(peers, width));
  const { checkPeer } = await import('../../client/probe-peer.js');
  // A silent peer gets a line saying what is awaited, rather than a terminal that says nothing for seconds.
  const outcomes = await checkPeers(peers, checkPeer, (line) => say(`  ${printable(line)}`));
  if (outcomes.every((o) => o.ok)) return;
  const failures = failedPeerLines(outcomes, how.colours, width);
  if (how.keepGoing) {
    const warning = `${how.colours.yellow('warning')}: ${failedCountText(outcomes)}; going on (--keep-going): the runs that need ${failures.length === 1 ? 'it' : 'them'} will fail`;
    process.stderr.write(`${[wrapLines(warning, width), ...failures].join('\n')}\n`);
    return;
  }
  const first = outcomes.find((o) => !o.ok);
  throw new BenchError(
    first && !first.ok ? exitOneCode(first.error.code) : 'E_PEER_UNREACHABLE',
    [
      `${failedCountText(outcomes)}, so nothing was measured:`,
      ...failedPeerLines(outcomes, palette(false), width),
      wrapLines(
        'Fix what each line says, or pass --keep-going to run anyway (the runs that need a failed peer are recorded as failed)',
        width,
        '',
      ),
    ].join('\n'),
  );
}

/** The code of the stopping error: a peer's own, unless that would read as bad input (exit 2) rather than a failed scenario (exit 1). */
function exitOneCode(code: BenchErrorCode): BenchErrorCode {
  return code === 'E_USAGE' || code === 'E_UNIT' || code === 'E_SCENARIO' || code === 'E_INTERRUPTED' ? 'E_PEER_UNREACHABLE' : code;
}

/** Several observers as one: the progress display, the event stream and the metrics push each hear every run. */
function combineObservers(observers: ReadonlyArray<ScenarioObserver | undefined>): ScenarioObserver {
  const present = observers.filter((o): o is ScenarioObserver => o !== undefined);
  return {
    runStarting: (...args) => {
      for (const o of present) o.runStarting?.(...args);
    },
    runEvent: (...args) => {
      for (const o of present) o.runEvent?.(...args);
    },
    runFinished: (...args) => {
      for (const o of present) o.runFinished?.(...args);
    },
    pausing: (...args) => {
      for (const o of present) o.pausing?.(...args);
    },
  };
}

/**
 * Renders the scenario's `report.formats` into the results folder, after
 * results.json is safely written, and returns the reports' paths. A missing
 * report module is a note, not a failure: the results stand, and `bench
 * report` can render them later. `failed` says a report was due and did not
 * get written (its reason already said).
 */
export async function renderScenarioReports(
  results: ResultsFile,
  formats: readonly ReportFormat[],
  outDir: string,
  say: (line: string) => void,
): Promise<{ written: string[]; failed: boolean }> {
  const written: string[] = [];
  let failed = false;
  if (formats.length === 0) return { written, failed };
  let reports: typeof import('../../report/render-report.js');
  try {
    reports = await import('../../report/render-report.js');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes('render-report')) {
      say(
        `note: ${formats.join(' and ')} report not rendered: this build has no report renderer; render one later with bench report ${join(outDir, 'results.json')}`,
      );
      return { written, failed };
    }
    throw err;
  }
  for (const format of formats) {
    try {
      written.push((await reports.writeReport(results, format, outDir))[0]);
    } catch (err) {
      failed = true;
      say(
        `warning: the ${format} report failed (${(err as Error).message}); results.json is complete: render it again with bench report ${join(outDir, 'results.json')} --format ${format}`,
      );
    }
  }
  return { written, failed };
}

/** `checking 3 peers: lab-a, lab-b, lab-x...`; only the count when the names do not fit the width. */
function checkingLine(peers: readonly PeerToCheck[], width: number | undefined): string {
  const count = `checking ${peers.length} ${peers.length === 1 ? 'peer' : 'peers'}`;
  const named = `${count}: ${peers.map((p) => printable(p.name)).join(', ')}...`;
  return width === undefined || visibleLength(named) <= width ? named : `${count}...`;
}

/**
 * One line per peer that failed, its error saying what, where and what to
 * do, each wrapped to the width: `  ✗ cannot reach peer lab-x (...): ...`.
 */
function failedPeerLines(outcomes: readonly PeerCheckOutcome[], colours: Palette, width: number | undefined): string[] {
  return outcomes.flatMap((o) => (o.ok ? [] : [wrapLines(`  ${colours.red('✗')} ${printable(o.error.message)}`, width, '    ')]));
}

/** The opening of the refusal or the warning: `1 of 3 peers failed the check`. */
function failedCountText(outcomes: readonly PeerCheckOutcome[]): string {
  const failed = outcomes.filter((o) => !o.ok).length;
  return `${failed} of ${outcomes.length} ${outcomes.length === 1 ? 'peer' : 'peers'} failed the check`;
}

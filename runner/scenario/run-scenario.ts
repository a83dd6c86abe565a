import { asBenchError, BenchError } from '../core/errors.js';
import { sleep } from '../core/long-timer.js';
import type { PeerAddress, RunEvent, RunTestOptions } from '../core/run-events.js';
import { unmeasuredRun, type RunObject } from '../core/run-object.js';
import { disjointRounds, type OrderedPair } from './mesh-rounds.js';
import type { RunLog } from './results-folder.js';
import type { PlannedRun } from './scenario-model.js';

export type RunTestFn = (options: RunTestOptions) => Promise<RunObject>;
/** A run whose client side another bench server plays (client/remote-test.ts), injected like RunTestFn. */
export type RemoteTestFn = (options: RunTestOptions & { from: PeerAddress; peer: PeerAddress }) => Promise<RunObject>;

/** What the progress display hears about; every hook is optional. */
export interface ScenarioObserver {
  runStarting?(run: PlannedRun, position: number, total: number): void;
  runEvent?(run: PlannedRun, event: RunEvent): void;
  runFinished?(run: PlannedRun, result: RunObject, position: number, total: number): void;
  pausing?(seconds: number): void;
}

export interface ExecuteOptions {
  runTest: RunTestFn;
  /** For runs with a `from:` peer; without it they fail, saying so. */
  runRemoteTest?: RemoteTestFn;
  log: RunLog;
  /** Aborting stops the current run (recorded, marked interrupted) and starts no more. */
  signal: AbortSignal;
  observer?: ScenarioObserver;
}

/**
 * Runs the plan one run at a time: two tests sharing a link would measure
 * each other. The one exception is the runs of a mesh or pairs with
 * `parallel: disjoint`, which go in rounds of runs that share no host, each
 * round's runs at once. A run that fails is recorded and the scenario goes
 * on; each result is on disk as soon as its run ends.
 */
export async function executeRuns(
  runs: readonly PlannedRun[],
  options: ExecuteOptions,
): Promise<{ results: RunObject[]; interrupted: boolean }> {
  const { log, signal, observer } = options;
  const results: RunObject[] = [];
  let started = 0;
  // Runs of one round end in any order; their lines go to results.jsonl one after another.
  let appending: Promise<void> = Promise.resolve();
  const runAndRecord = async (run: PlannedRun): Promise<void> => {
    const position = ++started;
    observer?.runStarting?.(run, position, runs.length);
    const result = tagged(run, await runOne(run, options));
    if (signal.aborted) result.interrupted = true;
    appending = appending.then(() => log.append(result));
    await appending;
    results.push(result);
    observer?.runFinished?.(run, result, position, runs.length);
  };
  for (const step of steps(runs)) {
    if (signal.aborted) break;
    await Promise.all(step.map(runAndRecord));
    if (signal.aborted) break;
    const pause = step[step.length - 1].group.pause_s;
    if (pause > 0 && started < runs.length) {
      observer?.pausing?.(pause);
      try {
        await sleep(pause * 1000, { signal });
      } catch {
        break;
      }
    }
  }
  return { results, interrupted: signal.aborted };
}

/**
 * The plan cut into what runs at once: one run, or a round of a
 * `parallel: disjoint` block (the consecutive runs of one run of the file),
 * where no host, at either end, is in two runs.
 */
function* steps(runs: readonly PlannedRun[]): Generator<PlannedRun[]> {
  for (let i = 0; i < runs.length; ) {
    const first = runs[i].group;
    if (first.parallel !== 'disjoint') {
      yield [runs[i++]];
      continue;
    }
    let end = i;
    while (end < runs.length && runs[end].group.parallel === 'disjoint' && runs[end].group.scenario_index === first.scenario_index) end++;
    const byPair = new Map<OrderedPair<string>, PlannedRun>();
    const pairs = runs.slice(i, end).map((run) => {
      const pair = { from: run.group.from_name, to: run.group.peer_name };
      byPair.set(pair, run);
      return pair;
    });
    for (const round of disjointRounds(pairs)) yield round.map((pair) => byPair.get(pair) as PlannedRun);
    i = end;
  }
}

async function runOne(run: PlannedRun, { runTest, runRemoteTest, signal, observer }: ExecuteOptions): Promise<RunObject> {
  const { group } = run;
  const options: RunTestOptions = {
    params: group.params,
    signal,
    onEvent: (event) => observer?.runEvent?.(run, event),
  };
  if (group.peer) options.peer = group.peer;
  if (group.wait_s > 0) options.wait_s = group.wait_s;
  if (group.data_path) options.data_path = group.data_path;
  const startedAt = new Date().toISOString();
  try {
    if (!group.from) return await runTest(options);
    const { from, peer } = group;
    if (!runRemoteTest || !peer) throw new BenchError('E_INTERNAL', `run ${group.label} has a from: peer but no way to run it remotely`);
    return await runRemoteTest({ ...options, from, peer });
  } catch (err) {
    // runTest reports measurement failures in the object; a throw is a bug, but one run's bug must not lose the others.
    return failedRun(run, startedAt, err);
  }
}

function failedRun(run: PlannedRun, startedAt: string, err: unknown): RunObject {
  const { from } = run.group;
  const failed = unmeasuredRun(run.group.params, run.group.peer, startedAt);
  if (from) failed.from = { host: from.host, port: from.port };
  return { ...failed, error: asBenchError(err).toJSON() };
}

function tagged(run: PlannedRun, result: RunObject): RunObject {
  return { ...result, label: run.group.label, scenario_index: run.group.scenario_index, repeat_index: run.repeat_index };
}

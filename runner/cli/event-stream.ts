import type { RunEvent } from '../core/run-events.js';
import type { RunObject } from '../core/run-object.js';
import type { TestName, TestParams } from '../core/test-params.js';
import type { ScenarioObserver } from '../scenario/run-scenario.js';
import type { PlannedRun } from '../scenario/scenario-model.js';

/**
 * `--json-stream`: one JSON object per line on stdout, written as each event
 * happens (schemas/events.schema.json). A reader following a run sees
 * run_start before the first interval, one interval per interval, run_end
 * with the run object and, for `bench run`, scenario_end with the verdict.
 */
export interface RunRef {
  label: string;
  test: TestName;
  position: number;
  total: number;
  repeat: number;
}

export type StreamEvent =
  | { event: 'run_start'; run: RunRef; peer: string; params: TestParams }
  | { event: 'queued'; run: RunRef; position: number }
  | { event: 'interval'; run: RunRef; index: number; interval: unknown }
  | { event: 'run_end'; run: RunRef; result: RunObject }
  | {
      event: 'scenario_end';
      scenario: string;
      verdict: {
        runs: number;
        ok: number;
        failed: number;
        interrupted: boolean;
        expectations_met: number;
        expectations: number;
        exit_code: number;
      };
      results: string | null;
    };

export class JsonEventStream {
  /** Intervals streamed per run, so that those the live samples missed are streamed before run_end. */
  private readonly streamed = new Map<RunRef, number>();

  constructor(private readonly out: NodeJS.WritableStream) {}

  emit(event: StreamEvent): void {
    // `time` right after `event`, so a line reads in order: what, when, then the details.
    const { event: kind, ...rest } = event;
    this.out.write(`${JSON.stringify({ event: kind, time: new Date().toISOString(), ...rest })}\n`);
  }

  /** The events of one run's progress (interval and queue), for bench test and for each scenario run alike. */
  runEvent(run: RunRef, event: RunEvent): void {
    if (event.type === 'interval') {
      this.emit({ event: 'interval', run, index: event.index, interval: event.record });
      this.streamed.set(run, event.index + 1);
    } else if (event.type === 'queued') {
      this.emit({ event: 'queued', run, position: event.position });
    }
  }

  /**
   * The run's end: the last interval closes when the stream ends, after the
   * live samples, so any interval not streamed yet goes out first.
   */
  runEnd(run: RunRef, result: RunObject): void {
    const intervals = Array.isArray(result.intervals) ? result.intervals : [];
    for (let index = this.streamed.get(run) ?? 0; index < intervals.length; index++) {
      this.emit({ event: 'interval', run, index, interval: intervals[index] });
    }
    this.streamed.delete(run);
    this.emit({ event: 'run_end', run, result });
  }

  /** A scenario observer that streams every run of the plan. */
  scenarioObserver(): ScenarioObserver {
    const refs = new Map<PlannedRun, RunRef>();
    const refOf = (run: PlannedRun, position: number, total: number): RunRef => {
      const known = refs.get(run);
      if (known) return known;
      const ref = { label: run.group.label, test: run.group.test, position, total, repeat: run.repeat_index + 1 };
      refs.set(run, ref);
      return ref;
    };
    return {
      runStarting: (run, position, total) =>
        this.emit({ event: 'run_start', run: refOf(run, position, total), peer: run.group.peer_name, params: run.group.params }),
      runEvent: (run, event) => {
        const ref = refs.get(run);
        if (ref) this.runEvent(ref, event);
      },
      runFinished: (run, result, position, total) => this.runEnd(refOf(run, position, total), result),
    };
  }
}

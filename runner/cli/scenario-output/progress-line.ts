import type { RunEvent } from '../../core/run-events.js';
import type { IntervalRecord, RunObject } from '../../core/run-object.js';
import type { ScenarioObserver } from '../../scenario/run-scenario.js';
import type { PlannedRun } from '../../scenario/scenario-model.js';
import type { Palette } from './palette.js';
import { figureText, paramsText } from '../figure-text.js';
import { formatDuration } from '../../core/units.js';
import { formatClock } from './format-figure.js';

export interface ProgressStream {
  write(text: string): unknown;
  columns?: number;
}

/**
 * Progress on stderr. On a terminal, one live line per run, rewritten each
 * interval (run k of n, test, peer, parameters, the interval's figure, time
 * left) and left in place, with the outcome, when the run ends. Elsewhere
 * (a pipe, a CI log) one plain line per event, never a carriage return.
 */
export class ScenarioProgress implements ScenarioObserver {
  private liveText = '';
  private current: { run: PlannedRun; position: number; total: number; runLeft: number; shown: number } | null = null;

  constructor(
    private readonly out: ProgressStream,
    private readonly live: boolean,
    private readonly colours: Palette,
    private readonly runs: readonly PlannedRun[],
  ) {}

  runStarting(run: PlannedRun, position: number, total: number): void {
    this.current = { run, position, total, runLeft: run.group.params.duration_s, shown: 0 };
    if (this.live) this.showLive('starting');
    else this.line(`${this.prefix()}: ${paramsText(run.group.params)}`);
  }

  runEvent(_run: PlannedRun, event: RunEvent): void {
    if (!this.current) return;
    switch (event.type) {
      case 'connecting':
        if (this.live) this.showLive(`connecting to ${event.peer}`);
        break;
      case 'queued':
        if (this.live) this.showLive(`queued at the server, position ${event.position}`);
        else this.line(`${this.prefix()}: queued at the server, position ${event.position}`);
        break;
      case 'started':
        if (this.live) this.showLive('running');
        break;
      case 'interval': {
        const r = event.record;
        this.current.shown++;
        this.current.runLeft = Math.max(0, this.current.run.group.params.duration_s - r.end_s);
        if (this.live) this.showLive(intervalText(r));
        else this.line(`${this.prefix()}  ${intervalText(r)}`);
        break;
      }
    }
  }

  runFinished(_run: PlannedRun, result: RunObject): void {
    // The last interval closes as the run ends, after the live events: a log shows it from the result.
    if (!this.live && this.current) for (const r of result.intervals.slice(this.current.shown)) this.line(`${this.prefix()}  ${intervalText(r)}`);
    const outcome = result.interrupted
      ? this.colours.yellow('interrupted')
      : result.status === 'failed'
        ? `${this.colours.red('failed')}: ${result.error?.message ?? 'no reason given'}`
        : `${this.colours.green('ok')}  ${result.summary ? figureText(result.summary) : ''}`.trimEnd();
    this.clearLive();
    this.line(`${this.prefix()}: ${outcome}`);
    this.current = null;
  }

  pausing(seconds: number): void {
    // A pause is written in scenarios as 200ms or 2s: show it so, not rounded to whole seconds.
    if (this.live) {
      this.liveText = `pause ${formatDuration(seconds)}`;
      this.out.write(`\r\x1b[2K${this.liveText}`);
    } else this.line(`pause ${formatDuration(seconds)}`);
  }

  /** Leaves the terminal on a fresh line (after Ctrl-C, before the summary). */
  finish(): void {
    this.clearLive();
  }

  private prefix(): string {
    const c = this.current;
    if (!c) return '';
    const { group, repeat_index } = c.run;
    const repeat = group.repeat > 1 ? ` (repeat ${repeat_index + 1}/${group.repeat})` : '';
    return `[${c.position}/${c.total}] ${group.label}${repeat}`;
  }

  private showLive(status: string): void {
    const c = this.current;
    if (!c) return;
    const left = `${formatClock(c.runLeft)} left, about ${formatClock(this.scenarioLeft())} in all`;
    const text = `${this.prefix()} (${paramsText(c.run.group.params)})  ${status}  ${this.colours.dim(left)}`;
    // A pseudo-terminal may report 0 columns: then assume a common width rather than cut everything.
    const columns = this.out.columns !== undefined && this.out.columns >= 20 ? this.out.columns : 100;
    const width = columns - 1;
    this.liveText = truncate(text, width);
    this.out.write(`\r\x1b[2K${this.liveText}`);
  }

  private clearLive(): void {
    if (this.live && this.liveText !== '') this.out.write('\r\x1b[2K');
    this.liveText = '';
  }

  /** Time left in the current run plus every run (and pause) after it. */
  private scenarioLeft(): number {
    const c = this.current;
    if (!c) return 0;
    let left = c.runLeft;
    for (let i = c.position; i < this.runs.length; i++) left += this.runs[i].group.params.duration_s + this.runs[i - 1].group.pause_s;
    return left;
  }

  private line(text: string): void {
    this.out.write(`${text}\n`);
  }
}

function intervalText(r: IntervalRecord): string {
  return `${r.start_s.toFixed(1)}-${r.end_s.toFixed(1)}s  ${figureText(r.figures)}${r.omitted ? '  (omitted)' : ''}`;
}

/** Cuts visible characters to `width`, keeping colour codes whole. */
function truncate(text: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\x1b') {
      const end = text.indexOf('m', i);
      if (end > 0) {
        out += text.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= width) continue;
    out += text[i];
    visible++;
  }
  return out;
}

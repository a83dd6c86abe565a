import type { RunEvent } from '../../core/run-events.js';
import type { IntervalRecord, RunObject } from '../../core/run-object.js';
import type { ScenarioObserver } from '../../scenario/run-scenario.js';
import type { PlannedRun } from '../../scenario/scenario-model.js';
import type { Palette } from '../color.js';
import { formatClock, figureText } from '../figure-text.js';
import { describeParams } from '../../core/params.js';
import { formatDuration } from '../../core/units.js';
import { runSpan } from '../../core/test-params.js';
import { printable } from '../../core/terminal-text.js';
import { FALLBACK_COLUMNS, truncateVisible, visibleLength, wrapLines } from '../terminal-width.js';

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
    this.current = { run, position, total, runLeft: runSpan(run.group.params), shown: 0 };
    if (this.live) this.showLive('starting');
    else this.line(`${this.prefix()}: ${describeParams(run.group.params)}`);
  }

  runEvent(_run: PlannedRun, event: RunEvent): void {
    if (!this.current) return;
    switch (event.type) {
      case 'connecting':
        if (this.live) this.showLive(`connecting to ${printable(event.peer)}`);
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
        // An RRUL interval's end counts from the first probe, idle phase included, as runSpan does.
        this.current.runLeft = Math.max(0, runSpan(this.current.run.group.params) - r.end_s);
        // Each figure a part of its own (`941.3 Mbit/s`, `loss 0%`), so that a narrow line drops a whole one rather than cut a number short.
        if (this.live)
          this.showLive(
            [...figureText(r.figures).split(/ {2,}/), ...(r.omitted ? ['(omitted)'] : [])],
            `${r.start_s.toFixed(1)}-${r.end_s.toFixed(1)}s`,
          );
        else this.line(`${this.prefix()}  ${intervalText(r)}`);
        break;
      }
    }
  }

  runFinished(_run: PlannedRun, result: RunObject): void {
    // The last interval closes as the run ends, after the live events: a log shows it from the result.
    if (!this.live && this.current)
      for (const r of result.intervals.slice(this.current.shown)) this.line(`${this.prefix()}  ${intervalText(r)}`);
    const outcome = result.interrupted
      ? this.colours.yellow('interrupted')
      : result.status === 'failed'
        ? `${this.colours.red('failed')}: ${printable(result.error?.message ?? 'no reason given')}`
        : `${this.colours.green('ok')}  ${result.summary ? unbreakable(figureText(result.summary)) : ''}`.trimEnd();
    this.clearLive();
    // On a terminal the line stays on screen: wrapped to its width rather than left to the terminal to fold.
    const done = `${this.prefix()}: ${outcome}`;
    this.line((this.live ? wrapLines(done, this.width(), '    ') : done).replaceAll(KEEP_TOGETHER, ' '));
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
    return `[${c.position}/${c.total}] ${printable(group.label)}${repeat}`;
  }

  /**
   * The live line, fitted to the terminal and never wrapped (a wrapped line
   * cannot be rewritten in place): the figure (or what is happening) and the
   * time left come first; as the width shrinks the interval's span, the
   * parameters, the time left in all and then the label give way, the label
   * cut short before it goes.
   */
  private showLive(status: string | readonly string[], span?: string): void {
    const c = this.current;
    if (!c) return;
    const { group, repeat_index } = c.run;
    const repeat = group.repeat > 1 ? ` (repeat ${repeat_index + 1}/${group.repeat})` : '';
    // The last column stays empty: writing into it makes some terminals wrap.
    const width = this.width() - 1;
    const parts: LinePart[] = [
      { order: 0, keep: 0, text: `[${c.position}/${c.total}]` },
      // What is happening, or the interval's first figure, stays longest; the other figures go just before the time left would.
      ...(typeof status === 'string'
        ? [{ order: 1, keep: 1, text: status, glue: true, shortenTo: 12 }]
        : status.map((text, i) => ({ order: 1 + i / 10, keep: i === 0 ? 1 : 2 + i / 10, text, glue: i === 0 }))),
      { order: 2, keep: 2, text: this.colours.dim(`${formatClock(c.runLeft)} left`) },
      { order: 3, keep: 4, text: this.colours.dim(`(about ${formatClock(this.scenarioLeft())} in all)`), glue: true },
      { order: 4, keep: 3, text: `${group.label}${repeat}`, shortenTo: 8 },
      { order: 5, keep: 5, text: `(${describeParams(group.params)})`, glue: true },
      ...(span === undefined ? [] : [{ order: 6, keep: 6, text: span }]),
    ];
    this.liveText = truncateVisible(fitParts(parts, width), width);
    this.out.write(`\r\x1b[2K${this.liveText}`);
  }

  private width(): number {
    // A pseudo-terminal may report 0 columns: then assume a common width rather than cut everything.
    return this.out.columns !== undefined && this.out.columns >= 20 ? this.out.columns : FALLBACK_COLUMNS;
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
    for (let i = c.position; i < this.runs.length; i++) left += runSpan(this.runs[i].group.params) + this.runs[i - 1].group.pause_s;
    return left;
  }

  private line(text: string): void {
    this.out.write(`${text}\n`);
  }
}

/** Stands for a space the line must not break at while it is wrapped; a plain space again before it is written. */
const KEEP_TOGETHER = '\u00a0';

/** `99.89 Mbit/s  loss 0%`: each figure kept whole when wrapped, a number never apart from its unit; they break at the double spaces. */
function unbreakable(figures: string): string {
  return figures.replace(/(?<! ) (?! )/g, KEEP_TOGETHER);
}

function intervalText(r: IntervalRecord): string {
  return `${r.start_s.toFixed(1)}-${r.end_s.toFixed(1)}s  ${figureText(r.figures)}${r.omitted ? '  (omitted)' : ''}`;
}

interface LinePart {
  /** Place on the line, left to right. */
  order: number;
  /** Which goes last as the width shrinks: 0 stays longest. */
  keep: number;
  text: string;
  /** Joined to the part before it by one space, not two. */
  glue?: boolean;
  /** May be cut short, with …, down to this many characters, before it is dropped. */
  shortenTo?: number;
}

/** The parts that fit in `width`, most kept first, written in their order. */
function fitParts(parts: readonly LinePart[], width: number): string {
  const chosen: LinePart[] = [];
  const lengthOf = (list: readonly LinePart[]) => list.reduce((n, p, i) => n + visibleLength(p.text) + (i === 0 ? 0 : p.glue ? 1 : 2), 0);
  const ordered = (list: readonly LinePart[]) => [...list].sort((a, b) => a.order - b.order);
  for (const part of [...parts].sort((a, b) => a.keep - b.keep)) {
    // A glued part reads only beside its neighbour: `(10s, 64KiB)` after the label, not after the time left.
    if (part.glue && !chosen.some((p) => p.order === part.order - 1)) continue;
    const trial = ordered([...chosen, part]);
    const over = lengthOf(trial) - width;
    if (over <= 0) chosen.push(part);
    else if (part.shortenTo !== undefined && visibleLength(part.text) - over >= part.shortenTo) {
      chosen.push({ ...part, text: truncateVisible(part.text, visibleLength(part.text) - over) });
    }
  }
  return ordered(chosen)
    .map((p, i) => (i === 0 ? '' : p.glue ? ' ' : '  ') + p.text)
    .join('');
}

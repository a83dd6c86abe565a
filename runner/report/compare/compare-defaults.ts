/**
 * bench compare's defaults, in a file with no imports so the command table
 * (runner/cli/main.ts) can show them in its help without loading compare.
 */
export const DEFAULT_THRESHOLD = '5%';

/**
 * Loss and jitter sit near zero, where a relative change means nothing
 * (0 -> 0.01% loss is "+infinity %"). A change no larger than these is not
 * flagged: 0.1 percentage points of loss is 1 datagram in 1000, within what a
 * busy host drops now and then; 0.1 ms of jitter is scheduler noise.
 */
export const DEFAULT_FLOORS: Readonly<Record<string, number>> = {
  loss_percent: 0.1,
  jitter_ms: 0.1,
  // RRUL's probe loss per phase likewise: one probe of 800 is 0.125%, and an idle link loses none.
  idle_loss_percent: 0.1,
  loaded_loss_percent: 0.1,
  drain_loss_percent: 0.1,
  // The difference of two medians that each move by tenths of a ms with the scheduler: on a shallow buffer
  // (an increase of a few ms) 2 -> 2.8 ms is +40% and means nothing.
  latency_increase_ms: 1,
};

export function floorsText(floors: Readonly<Record<string, number>>): string {
  return Object.entries(floors)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
}

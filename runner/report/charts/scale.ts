/**
 * Axis scales with "nice" tick values (1, 2 or 5 times a power of ten), after
 * Heckbert's "Nice numbers for graph labels" (Graphics Gems, 1990).
 */
export interface Scale {
  /** The data range the axis covers, after rounding out to whole ticks. */
  min: number;
  max: number;
  ticks: number[];
  /** Data value to a position in [0, 1] along the axis. */
  fraction(value: number): number;
  format(value: number): string;
  log: boolean;
}

function niceStep(roughStep: number): number {
  const exponent = Math.floor(Math.log10(roughStep));
  const fraction = roughStep / 10 ** exponent;
  // Rounded to the nearest nice step (not up), so a range just past a tick does not halve the tick count.
  const nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  return nice * 10 ** exponent;
}

function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/**
 * A linear scale over [min, max] with about `count` ticks; includes zero when asked. An `integer`
 * axis (streams, sizes: counts of things) gets whole-number ticks only, never 0.5 streams.
 */
export function linearScale(dataMin: number, dataMax: number, options: { count?: number; zero?: boolean; integer?: boolean } = {}): Scale {
  const count = options.count ?? 5;
  let lo = options.zero ? Math.min(0, dataMin) : dataMin;
  let hi = options.zero ? Math.max(0, dataMax) : dataMax;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi === lo) {
    // A flat series still needs an axis: widen around the value.
    hi = lo === 0 ? 1 : hi + Math.abs(hi) * 0.5;
    lo = lo === 0 || options.zero ? Math.min(0, lo) : lo - Math.abs(lo) * 0.5;
  }
  const step = options.integer ? Math.max(1, niceStep((hi - lo) / Math.max(1, count - 1))) : niceStep((hi - lo) / Math.max(1, count - 1));
  const decimals = decimalsOf(step);
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = min; v <= max + step / 2; v += step) ticks.push(Number(v.toFixed(decimals)));
  return {
    min: ticks[0],
    max: ticks[ticks.length - 1],
    ticks,
    fraction: (value) => (value - ticks[0]) / (ticks[ticks.length - 1] - ticks[0]),
    format: (value) => formatTick(value, decimals),
    log: false,
  };
}

/** A base-10 log scale from the 1-2-5 step at or below the lowest value to the one at or above the highest. */
export function logScale(dataMin: number, dataMax: number): Scale {
  const steps = (from: number, to: number): number[] => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(from)) - 1; e <= Math.ceil(Math.log10(to)) + 1; e++) {
      for (const m of [1, 2, 5]) out.push(Number((m * 10 ** e).toPrecision(3)));
    }
    return out;
  };
  const candidates = steps(dataMin, dataMax);
  const lo = candidates.filter((v) => v <= dataMin).pop() ?? dataMin;
  // A single value (every probe the same round trip) still needs a decade-sized axis: the next step up.
  const hi = candidates.find((v) => v >= dataMax && v > lo) ?? dataMax;
  const span = Math.log10(hi) - Math.log10(lo);
  // Over more than three decades, 2 and 5 crowd the axis: keep the powers of ten and the two ends.
  const ticks = candidates.filter((v) => v >= lo && v <= hi && (span <= 3 || v === lo || v === hi || Number.isInteger(Math.log10(v))));
  return {
    min: lo,
    max: hi,
    ticks,
    fraction: (value) => (Math.log10(Math.max(value, lo)) - Math.log10(lo)) / span,
    format: (value) => formatTick(value, decimalsOf(value)),
    log: true,
  };
}

/** Evenly spaced categories, such as percentiles or swept values that are not numbers. */
export function categoryPositions(count: number): (index: number) => number {
  return (index) => (count <= 1 ? 0.5 : index / (count - 1));
}

function formatTick(value: number, decimals: number): string {
  if (Math.abs(value) >= 1e6 && value % 1e6 === 0) return `${value / 1e6}M`;
  if (Math.abs(value) >= 1e4 && value % 1e3 === 0) return `${value / 1e3}k`;
  return value.toFixed(decimals);
}

/**
 * Smallest and largest of a list, by a loop: `Math.max(...values)` passes every
 * value as an argument and overflows the stack at a few hundred thousand
 * (a long run's intervals). `empty` is the answer for an empty list.
 */
export function minOf(values: readonly number[], empty = Infinity): number {
  let min = Infinity;
  for (const v of values) if (v < min) min = v;
  return values.length === 0 ? empty : min;
}

export function maxOf(values: readonly number[], empty = -Infinity): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return values.length === 0 ? empty : max;
}

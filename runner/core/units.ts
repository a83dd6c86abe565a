import { UnitError } from './errors.js';

/**
 * Parsers for the units a user writes on the command line and in scenarios.
 * Durations: `10s`, `500ms`, `2m`, or a bare number of seconds.
 * Sizes: bytes, `KiB`/`MiB`/`GiB` (1024) or `kB`/`MB`/`GB` (1000); a bare `K`
 * is refused as ambiguous rather than guessed.
 * Rates: bits per second with SI prefixes (`100M`, `1G`, `1.5Gbit`, `500kbps`).
 */

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;
const DURATION_FACTOR: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

export function parseDuration(input: string | number, what = 'duration'): number {
  if (typeof input === 'number') return checkFinite(input, what, String(input));
  const m = DURATION.exec(textOf(input));
  if (!m) {
    throw new UnitError(`invalid ${what} '${input}': write a number with a unit, such as 10s, 500ms or 2m`);
  }
  return Number(m[1]) * DURATION_FACTOR[m[2] ?? 's'];
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|kB|KB|MB|GB|K|k|M|G)?$/;
const SIZE_FACTOR: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  kB: 1000,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
};

export function parseSize(input: string | number, what = 'size'): number {
  if (typeof input === 'number') return checkInteger(input, what, String(input));
  const m = SIZE.exec(textOf(input));
  if (!m) {
    throw new UnitError(`invalid ${what} '${input}': write a number of bytes, such as 1472, 64KiB or 1MB`);
  }
  const unit = m[2] ?? 'B';
  if (unit === 'K' || unit === 'k' || unit === 'M' || unit === 'G') {
    const binary = unit.toUpperCase() === 'K' ? 'KiB' : `${unit}iB`;
    const decimal = unit.toUpperCase() === 'K' ? 'kB' : `${unit}B`;
    throw new UnitError(
      `ambiguous ${what} '${input}': write ${m[1]}${binary} (${Number(m[1]) * SIZE_FACTOR[binary]} bytes) or ${m[1]}${decimal} (${Number(m[1]) * SIZE_FACTOR[decimal]} bytes)`,
    );
  }
  return checkInteger(Number(m[1]) * SIZE_FACTOR[unit], what, input);
}

const RATE = /^(\d+(?:\.\d+)?)\s*([kKMGT])?(bit\/s|bps|bit|b)?$/;
const RATE_FACTOR: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** Bits per second. `0` means unpaced. */
export function parseRate(input: string | number, what = 'rate'): number {
  if (typeof input === 'number') return checkFinite(input, what, String(input));
  const m = RATE.exec(textOf(input));
  if (!m) {
    throw new UnitError(`invalid ${what} '${input}': write bits per second, such as 100M, 1G or 500k (0 for unpaced)`);
  }
  return Math.round(Number(m[1]) * (m[2] ? RATE_FACTOR[m[2]] : 1));
}

export function parseCount(input: string | number, what: string): number {
  const n = typeof input === 'number' ? input : /^\d+$/.test(textOf(input)) ? Number(input) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new UnitError(`invalid ${what} '${String(input)}': write a whole number, such as 4`);
  return n;
}

/** The text of a value typed as a string; anything else (a repeated option's list, a flag's true) cannot match a unit. */
function textOf(input: unknown): string {
  return typeof input === 'string' ? input.trim() : '\0';
}

function checkFinite(n: number, what: string, shown: string): number {
  if (!Number.isFinite(n) || n < 0) throw new UnitError(`invalid ${what} '${shown}': must be a non-negative number`);
  return n;
}

function checkInteger(n: number, what: string, shown: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new UnitError(`invalid ${what} '${shown}': must be a whole number of bytes`);
  return n;
}

export function formatDuration(seconds: number): string {
  if (seconds < 1 && seconds > 0) return `${Math.round(seconds * 1000)}ms`;
  return `${Number(seconds.toFixed(3))}s`;
}

/** How long a scenario took, for the report: `12.3s`, `4m 5s`, `1h 2m 5s`. */
export function formatElapsed(seconds: number): string {
  if (seconds < 60) return formatDuration(Math.round(seconds * 10) / 10);
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return m < 60 ? `${m}m ${s}s` : `${Math.floor(m / 60)}h ${m % 60}m ${s}s`;
}

/** `2026-11-24 14:03:12 UTC`: the same text wherever a report or comparison is rendered. */
export function formatUtc(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * A duration in the largest unit that writes it exactly, as a user would:
 * 7200 is `2h`, 5400 is `90m`, 3601 is `3601s`, 0.2 is `200ms`.
 */
export function formatDurationExact(seconds: number): string {
  for (const [unit, f] of [
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds >= f && seconds % f === 0) return `${seconds / f}${unit}`;
  }
  return formatDuration(seconds);
}

export function formatRate(bps: number): string {
  if (bps === 0) return 'unpaced';
  for (const [unit, f] of [
    ['G', 1e9],
    ['M', 1e6],
    ['k', 1e3],
  ] as const) {
    if (bps >= f) return `${Number((bps / f).toFixed(3))}${unit}bit/s`;
  }
  return `${bps}bit/s`;
}

/**
 * A size in the largest unit that writes it exactly: `16MiB`, `2KiB`, `1MB`;
 * decimal units only from MB up, as 1000 is more often written bytes than kB.
 */
export function formatSizeExact(n: number): string {
  const binary = formatBytes(n);
  if (binary !== `${n}B`) return binary;
  for (const [unit, f] of [
    ['GB', 1000 ** 3],
    ['MB', 1000 ** 2],
  ] as const) {
    if (n >= f && n % f === 0) return `${n / f}${unit}`;
  }
  return `${n} bytes`;
}

export function formatBytes(n: number): string {
  for (const [unit, f] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (n >= f && n % f === 0) return `${n / f}${unit}`;
  }
  return `${n}B`;
}

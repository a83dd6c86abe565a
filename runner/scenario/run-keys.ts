import { UnitError } from '../core/errors.js';
import type { TestName, TestParams } from '../core/test-params.js';
import { TEST_NAMES } from '../core/test-params.js';
import { parseCount, parseDuration, parseRate, parseSize } from '../core/units.js';

/**
 * The keys a run may hold: the `bench test` options in snake_case, plus the
 * run-only keys. One table says, per key, its unit, whether a list sweeps it,
 * which tests it applies to and where it lands; the validator, the expander
 * and `--set` all read it.
 */
export type SettingKey =
  | 'peer' | 'duration' | 'interval' | 'omit' | 'size' | 'request_size' | 'response_size'
  | 'rate' | 'streams' | 'reverse' | 'timeout' | 'wait' | 'repeat' | 'pause';

/** Keys only a run may hold: defaults and --set cannot. */
export const RUN_ONLY_KEYS = ['test', 'label', 'expect'] as const;

type Kind = 'duration' | 'size' | 'rate' | 'count' | 'boolean' | 'peer';

export interface SettingSpec {
  key: SettingKey;
  kind: Kind;
  sweepable: boolean;
  /** Tests the key means something for; others ignore it. */
  tests: readonly TestName[];
  /** The TestParams field it sets, when it is a test parameter. */
  param?: keyof TestParams;
  /** Smallest value allowed, in the parsed unit; `exclusive` when the value must be above it. */
  min: number;
  exclusive?: boolean;
}

const ALL = TEST_NAMES;
const STREAM = ['TCP_STREAM', 'UDP_STREAM'] as const;
const RR = ['TCP_RR', 'UDP_RR'] as const;

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'peer', kind: 'peer', sweepable: false, tests: ALL, min: 0 },
  { key: 'duration', kind: 'duration', sweepable: true, tests: ALL, param: 'duration_s', min: 0, exclusive: true },
  { key: 'interval', kind: 'duration', sweepable: false, tests: ALL, param: 'interval_s', min: 0, exclusive: true },
  { key: 'omit', kind: 'duration', sweepable: false, tests: ALL, param: 'omit_s', min: 0 },
  { key: 'size', kind: 'size', sweepable: true, tests: STREAM, param: 'size_bytes', min: 1 },
  { key: 'request_size', kind: 'size', sweepable: true, tests: RR, param: 'request_size_bytes', min: 1 },
  { key: 'response_size', kind: 'size', sweepable: true, tests: RR, param: 'response_size_bytes', min: 1 },
  { key: 'rate', kind: 'rate', sweepable: true, tests: ['UDP_STREAM'], param: 'rate_bps', min: 0 },
  { key: 'streams', kind: 'count', sweepable: true, tests: ALL, param: 'streams', min: 1 },
  { key: 'reverse', kind: 'boolean', sweepable: true, tests: STREAM, param: 'reverse', min: 0 },
  { key: 'timeout', kind: 'duration', sweepable: false, tests: ALL, param: 'timeout_s', min: 0, exclusive: true },
  { key: 'wait', kind: 'duration', sweepable: false, tests: ALL, min: 0 },
  { key: 'repeat', kind: 'count', sweepable: false, tests: ALL, min: 1 },
  { key: 'pause', kind: 'duration', sweepable: false, tests: ALL, min: 0 },
];

export const SETTING_KEYS: readonly SettingKey[] = SETTINGS.map((s) => s.key);
export const SWEEPABLE_KEYS: readonly SettingKey[] = SETTINGS.filter((s) => s.sweepable).map((s) => s.key);
export const RUN_KEYS: readonly string[] = ['test', 'label', ...SETTING_KEYS, 'expect'];

const BY_KEY = new Map(SETTINGS.map((s) => [s.key, s]));

export function settingSpec(key: string): SettingSpec | undefined {
  return BY_KEY.get(key as SettingKey);
}

export function appliesTo(spec: SettingSpec, test: TestName): boolean {
  return spec.tests.includes(test);
}

const EXPECTS: Record<Kind, string> = {
  duration: 'a duration, such as 10s or 500ms',
  size: 'a size in bytes, such as 1472 or 64KiB',
  rate: 'a rate in bit/s, such as 100M or 1G (0 for unpaced)',
  count: 'a whole number, such as 4',
  boolean: 'true or false',
  peer: "the name of a peer under peers, or 'local' for the embedded server",
};

/**
 * One value of a setting (an element, for a swept list) in its unit:
 * seconds, bytes, bit/s, a count, a boolean, or the peer's name.
 * Throws UnitError with the sentence the user sees.
 */
export function parseSettingValue(spec: SettingSpec, value: unknown): number | boolean | string {
  const { key, kind } = spec;
  if (kind === 'boolean') {
    if (typeof value !== 'boolean') throw new UnitError(`${key} must be ${EXPECTS.boolean}, not ${show(value)}`);
    return value;
  }
  if (kind === 'peer') {
    if (typeof value !== 'string' || value.trim() === '') throw new UnitError(`peer must be ${EXPECTS.peer}, not ${show(value)}`);
    return value;
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw new UnitError(`${key} must be ${EXPECTS[kind]}, not ${show(value)}`);
  const n =
    kind === 'duration' ? parseDuration(value, key)
    : kind === 'size' ? parseSize(value, key)
    : kind === 'rate' ? parseRate(value, key)
    : parseCount(value, key);
  if (spec.exclusive ? n <= spec.min : n < spec.min) {
    const bound = kind === 'duration' ? `${spec.min}s` : kind === 'size' ? `${spec.min} byte` : String(spec.min);
    throw new UnitError(`${key} must be ${spec.exclusive ? 'more than' : 'at least'} ${bound}, not ${show(value)}`);
  }
  return n;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

export function describeKind(spec: SettingSpec): string {
  return EXPECTS[spec.kind];
}

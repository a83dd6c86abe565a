import { PARAM_KEYS, PARAM_LIST, paramOf, type Param, type ParamKey } from '../core/params.js';

/**
 * The keys a run may hold: every declared parameter (core/params.ts), which
 * defaults and --set may hold too, plus the run-only keys.
 */
export type SettingKey = ParamKey;
export type SettingSpec = Param;

/** Keys only a run may hold: defaults and --set cannot. */
export const RUN_ONLY_KEYS = ['test', 'label', 'mesh', 'pairs', 'parallel', 'expect'] as const;

export const SETTING_KEYS: readonly SettingKey[] = PARAM_KEYS;
export const SWEEPABLE_KEYS: readonly SettingKey[] = PARAM_LIST.filter((s) => s.sweepable).map((s) => s.key);
export const RUN_KEYS: readonly string[] = ['test', 'label', ...SETTING_KEYS, 'mesh', 'pairs', 'parallel', 'expect'];

export function settingSpec(key: string): SettingSpec | undefined {
  return paramOf(key);
}

export { appliesTo, parseParamValue as parseSettingValue } from '../core/params.js';

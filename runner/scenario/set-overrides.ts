import { parse as parseYaml } from 'yaml';
import { didYouMean, listWords } from './did-you-mean.js';
import { PARAM_KEYS, paramOf } from '../core/params.js';
import { RUN_ONLY_KEYS, type Setting } from './scenario-model.js';
import type { Problem } from './scenario-problem.js';
import { checkSettingValue } from './setting-check.js';

/**
 * `bench run --set key=value`: a setting for every run, above the run's own
 * keys. The value is read as YAML, so `--set streams=[1,4]` sweeps and
 * `--set reverse=true` is a boolean. cac hands over a string, or an array
 * when the option is repeated; the last of a repeated key wins.
 */
export function parseSetOverrides(raw: unknown, peers: readonly string[]): { settings: Setting[]; problems: Problem[] } {
  const items = raw === undefined ? [] : (Array.isArray(raw) ? raw : [raw]).map(String);
  const settings: Setting[] = [];
  const problems: Problem[] = [];
  for (const text of items) {
    const place = { kind: 'set', text } as const;
    const eq = text.indexOf('=');
    if (eq <= 0) {
      problems.push({ place, message: 'write key=value, such as --set duration=1s' });
      continue;
    }
    const key = text.slice(0, eq).trim();
    const written = text.slice(eq + 1).trim();
    const spec = paramOf(key);
    if (!spec) {
      problems.push({ place, message: unknownSetKey(key) });
      continue;
    }
    if (written === '') {
      problems.push({ place, message: `${key} has no value: write --set ${key}=VALUE` });
      continue;
    }
    const value = readValue(written);
    const found = checkSettingValue(spec, value, () => place, peers);
    problems.push(...found);
    if (found.length > 0) continue;
    const previous = settings.findIndex((s) => s.key === spec.key);
    if (previous >= 0) settings.splice(previous, 1);
    settings.push({ key: spec.key, value, place, layer: 3 });
  }
  return { settings, problems };
}

function unknownSetKey(key: string): string {
  if ((RUN_ONLY_KEYS as readonly string[]).includes(key)) {
    return `${key} cannot be set for every run: --set takes ${listWords(PARAM_KEYS, 'or')}`;
  }
  const guess = didYouMean(key, PARAM_KEYS);
  return guess !== undefined
    ? `unknown key '${key}': did you mean '${guess}'?`
    : `unknown key '${key}': --set takes ${listWords(PARAM_KEYS, 'or')}`;
}

function readValue(written: string): unknown {
  try {
    const v: unknown = parseYaml(written);
    return v === null ? written : v;
  } catch {
    return written;
  }
}

import { UsageError } from '../core/errors.js';
import type { PlannedGroup } from './scenario-model.js';

/**
 * `--only PATTERN` keeps the groups whose label matches: with `*` or `?` the
 * pattern is a glob over the whole label, otherwise a substring; case is
 * ignored either way (`--only udp` picks every UDP test).
 */
export function filterGroups(groups: readonly PlannedGroup[], pattern: string | undefined): PlannedGroup[] {
  if (pattern === undefined || pattern === '') return [...groups];
  const matches = matcher(String(pattern));
  const kept = groups.filter((g) => matches(g.label));
  if (kept.length === 0) {
    throw new UsageError(`--only ${pattern} matches no run; labels are: ${groups.map((g) => `'${g.label}'`).join(', ')}`);
  }
  return kept;
}

function matcher(pattern: string): (label: string) => boolean {
  if (!/[*?]/.test(pattern)) {
    const needle = pattern.toLowerCase();
    return (label) => label.toLowerCase().includes(needle);
  }
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`, 'i');
  return (label) => re.test(label);
}

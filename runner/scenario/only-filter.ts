import { UsageError } from '../core/errors.js';
import type { PlannedGroup } from './scenario-model.js';

/**
 * `--only PATTERN` keeps the groups whose label contains a match of the
 * pattern anywhere, `*` standing for any text and `?` for one character, case
 * ignored: `--only udp` picks every UDP test, and `rate=1*` matches
 * `UDP_STREAM far-end rate=1G` as `rate=1` does. A glob is not anchored so that
 * adding a `*` never makes a pattern match less than the plain string would.
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
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const re = new RegExp(source, 'i');
  return (label) => re.test(label);
}

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
  // Anywhere in the label, as a plain pattern matches: adding a * never makes a pattern match less.
  const glob = `*${pattern.toLowerCase()}*`;
  return (label) => globMatches(glob, label.toLowerCase());
}

/**
 * Whole-string glob match, `*` any run of characters, `?` one character.
 * Not a RegExp: `.*` repeated backtracks for minutes on a pattern such as
 * `*a*a*a*a*a*a*b`; this backs up only to the last `*`, so it costs at
 * most pattern length times label length.
 */
function globMatches(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (g < glob.length && (glob[g] === '?' || (glob[g] !== '*' && glob[g] === text[t]))) {
      g++;
      t++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      resume = t;
    } else if (star >= 0) {
      g = star + 1;
      t = ++resume;
    } else return false;
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

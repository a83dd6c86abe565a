/**
 * The closest known word to a mistyped one, or undefined when nothing is
 * close enough to be a likely typo. Case and `-`/`_` differences count as
 * exact matches (`Request-Size` means `request_size`).
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const folded = fold(input);
  const known = foldedCandidates(candidates);
  const exact = known.exact.get(folded);
  if (exact !== undefined) return exact;
  const limit = Math.max(1, Math.floor(folded.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  let compared = 0;
  for (let i = 0; i < candidates.length; i++) {
    const c = known.folded[i];
    // The distance is at least the difference in length: most candidates are ruled out without computing it.
    if (Math.abs(c.length - folded.length) >= bestDistance) continue;
    // Among thousands of close names a guess is noise; stop before the work grows with the list.
    if (++compared > MAX_COMPARED) return undefined;
    const d = editDistance(folded, c, bestDistance);
    if (d < bestDistance) {
      best = candidates[i];
      bestDistance = d;
    }
  }
  return best;
}

const MAX_COMPARED = 1000;

interface FoldedCandidates {
  folded: string[];
  exact: Map<string, string>;
}

/** Candidate lists are mostly constants, asked about once per mistyped word: fold each list once. */
const foldedLists = new WeakMap<readonly string[], FoldedCandidates>();

function foldedCandidates(candidates: readonly string[]): FoldedCandidates {
  let known = foldedLists.get(candidates);
  if (known !== undefined && known.folded.length === candidates.length) return known;
  known = { folded: candidates.map(fold), exact: new Map() };
  for (let i = candidates.length - 1; i >= 0; i--) known.exact.set(known.folded[i], candidates[i]);
  foldedLists.set(candidates, known);
  return known;
}

function fold(s: string): string {
  return s.toLowerCase().replace(/-/g, '_');
}

/**
 * Optimal string alignment distance: Levenshtein plus swapping two neighbours (`druation`).
 * With `cap`, any distance of cap or more may be returned as cap: a row whose
 * every cell has reached it cannot lead below it.
 */
let rows = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

function editDistance(a: string, b: string, cap = Infinity): number {
  const width = b.length + 1;
  // Three rows reused from call to call: a file with many mistyped keys asks thousands of times.
  if (rows[0].length < width) rows = [new Int32Array(width), new Int32Array(width), new Int32Array(width)];
  let [before, previous, current] = rows;
  for (let j = 0; j < width; j++) previous[j] = j;
  let previousMin = 0;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      current[j] = d;
      if (d < rowMin) rowMin = d;
    }
    // A swap reaches back two rows, so stop only when two rows in a row are at the cap.
    if (rowMin >= cap && previousMin >= cap) return cap;
    previousMin = rowMin;
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length];
}

/** `a, b and c` for messages. */
export function listWords(words: readonly string[], conjunction = 'and'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${conjunction} ${words[words.length - 1]}`;
}

/**
 * A JSON Pointer (RFC 6901, as ajv's instancePath gives it) as the steps of a
 * path: `/runs/0/peer/host` is ['runs', 0, 'peer', 'host']. Array indexes come
 * back as numbers, so the steps can locate a value in the parsed document.
 */
export function jsonPointerSteps(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** The value at those steps in a parsed document; undefined where the path leaves it. */
export function valueAt(root: unknown, steps: readonly (string | number)[]): unknown {
  let v = root;
  for (const s of steps) v = typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[s] : undefined;
  return v;
}

import { figuresOf } from '../core/figure-catalog.js';
import type { TestName } from '../core/test-params.js';

/** Every catalogued figure present in a summary, as dotted name to number. */
export function flattenFigures(test: TestName, summary: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const figure of figuresOf(test)) {
    let v: unknown = summary;
    for (const part of figure.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    if (typeof v === 'number' && Number.isFinite(v)) out[figure] = v;
  }
  return out;
}

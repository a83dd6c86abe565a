import { figureInfo, figuresOf, formatNumber, rateShortfall, testFigureValues, whoCounts } from '../../core/figure-catalog.js';
import type { RunObject } from '../../core/run-object.js';

/** Rows of `bench test`'s summary table, one per figure of the test, from the catalogue: figure, value, unit (who counts it). */
export function summaryRows(run: RunObject): Array<[string, string, string]> {
  if (!run.summary) return [];
  const values = testFigureValues(run.test, run.summary);
  return figuresOf(run.test)
    .filter((name) => values[name] !== undefined)
    .map((name) => [name, formatNumber(values[name]), `${figureInfo(name).unit} (${whoCounts(name, run.test)})`]);
}

/** What a reader of the summary must be told before trusting it. */
export function summaryWarnings(run: RunObject): string[] {
  const shortfall = run.summary ? rateShortfall(run.summary) : null;
  return shortfall ? [shortfall] : [];
}

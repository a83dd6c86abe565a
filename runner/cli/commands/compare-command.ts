import { UsageError } from '../../core/errors.js';
import { compareResults } from '../../report/compare/compare-results.js';
import { formatComparisonText } from '../../report/compare/compare-text.js';
import { loadResults } from '../../report/load-results.js';
import { resultsFromRunLog } from '../../scenario/run-log-results.js';
import { EXIT } from '../report-failure.js';

export interface CompareCommandOptions {
  threshold?: string | number;
  format?: string;
}

const FORMATS = ['text', 'md', 'html'] as const;
type CompareFormat = (typeof FORMATS)[number];

/** `bench compare BASE NEW`: prints the comparison; exit 1 on any regression, 0 otherwise. */
export async function compareCommand(basePath: string, newPath: string, options: CompareCommandOptions = {}): Promise<number> {
  const threshold = parseThreshold(options.threshold ?? '5%');
  const format = parseFormat(options.format ?? 'text');
  const [base, next] = await Promise.all([loadResults(basePath, { fromRunLog: resultsFromRunLog }), loadResults(newPath, { fromRunLog: resultsFromRunLog })]);
  const comparison = compareResults(base, next, threshold, { base: basePath, new: newPath });
  // Handlebars loads only for the formats that need it.
  const output = format === 'text'
    ? formatComparisonText(comparison)
    : await (await import('../../report/compare/render-comparison.js')).renderComparison(comparison, format);
  process.stdout.write(output);
  return comparison.regressions > 0 ? EXIT.failed : EXIT.ok;
}

/** `5%`, `5` or `2.5%`: a change of more than this many percent is flagged. */
export function parseThreshold(input: string | number): number {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(String(input).trim());
  if (!m) throw new UsageError(`invalid --threshold '${input}': write a percentage, such as 5% or 2.5%`);
  return Number(m[1]);
}

function parseFormat(input: string): CompareFormat {
  if ((FORMATS as readonly string[]).includes(input)) return input as CompareFormat;
  throw new UsageError(`unknown compare format '${input}': use text, md or html`);
}

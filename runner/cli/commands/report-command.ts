import { basename, dirname, join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { CHART_DIR } from '../../report/chart-files.js';
import { loadResults, resultsFolderOf } from '../../report/load-results.js';
import { resultsFromRunLog } from '../../scenario/run-log-results.js';
import { isReportFormat, writeReport } from '../../report/render-report.js';
import { EXIT } from '../report-failure.js';

export interface ReportCommandOptions {
  format?: string;
  template?: string;
  output?: string;
}

/**
 * `bench report results.json`: renders the report again, by default as
 * report.<format> beside the results file (what bench run writes too).
 */
export async function reportCommand(resultsPath: string, options: ReportCommandOptions = {}): Promise<number> {
  const format = String(options.format ?? 'html');
  if (!isReportFormat(format)) throw new UsageError(`unknown report format '${format}': use html or md`);
  if (options.template !== undefined && typeof options.template !== 'string') {
    throw new UsageError('--template needs a file: pass the path of a Handlebars template');
  }
  const results = await loadResults(resultsPath, { fromRunLog: resultsFromRunLog });
  const output = typeof options.output === 'string' && options.output !== '' ? options.output : join(resultsFolderOf(resultsPath), `report.${format}`);
  const written = await writeReport(results, format, dirname(output), { template: options.template, fileName: basename(output) });
  const charts = written.length - 1;
  const chartNote = charts > 0 ? ` and ${charts} chart${charts === 1 ? '' : 's'} in ${join(dirname(output), CHART_DIR)}` : '';
  process.stdout.write(`wrote ${written[0]}${chartNote}\n`);
  return EXIT.ok;
}

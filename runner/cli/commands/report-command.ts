import { access } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { loadResults, resultsFolderOf } from '../../report/load-results.js';
import { CHART_DIR, REPORT_FILE_NAMES, REPORT_FORMATS } from '../../core/results-file.js';
import { resultsFromRunLog } from '../../scenario/run-log-results.js';
import { isReportFormat, renderReport, writeReport } from '../../report/render-report.js';
import { EXIT } from '../report-failure.js';

export interface ReportCommandOptions {
  format?: string;
  template?: string;
  output?: string;
  force?: boolean;
}

/**
 * `bench report results.json`: renders the report again, by default as
 * report.<format> beside the results file (what bench run writes too), but
 * never over a report already there unless --force says so: that file is the
 * run's own record. A template of your own prints on stdout unless -o names
 * a file, since what it renders is not the run's report.
 */
export async function reportCommand(resultsPath: string, options: ReportCommandOptions = {}): Promise<number> {
  const format = String(options.format ?? 'html');
  if (!isReportFormat(format)) throw new UsageError(`unknown report format '${format}': use ${REPORT_FORMATS.join(', ')}`);
  if (options.template !== undefined && typeof options.template !== 'string') {
    throw new UsageError('--template needs a file: pass the path of a Handlebars template');
  }
  const explicitOutput = typeof options.output === 'string' && options.output !== '' ? options.output : undefined;
  const results = await loadResults(resultsPath, { fromRunLog: resultsFromRunLog });

  if (options.template !== undefined && explicitOutput === undefined) {
    const rendered = await renderReport(results, format, { template: options.template });
    process.stdout.write(rendered.main);
    const charts = Object.keys(rendered.files).length;
    if (charts > 0) {
      process.stderr.write(
        `note: ${charts} chart file${charts === 1 ? '' : 's'} not written: pass -o FILE to write the output and its ${CHART_DIR}/ folder beside it\n`,
      );
    }
    return EXIT.ok;
  }

  const output = explicitOutput ?? join(resultsFolderOf(resultsPath), REPORT_FILE_NAMES[format]);
  if (explicitOutput === undefined && options.force !== true && (await exists(output))) {
    throw new UsageError(
      `${output} already exists (bench run wrote it): pass --force to replace it, or -o FILE to write the report elsewhere`,
    );
  }
  const written = await writeReport(results, format, dirname(output), { template: options.template, fileName: basename(output) });
  const charts = written.length - 1;
  const chartNote = charts > 0 ? ` and ${charts} chart${charts === 1 ? '' : 's'} in ${join(dirname(output), CHART_DIR)}` : '';
  process.stdout.write(`wrote ${written[0]}${chartNote}\n`);
  return EXIT.ok;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

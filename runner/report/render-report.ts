import Handlebars from 'handlebars';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { BenchError, UsageError } from '../core/errors.js';
import { makeFolders, writeError, writeFileWhole } from '../core/output-files.js';
import { benchVersion, packagePath } from '../core/package-paths.js';
import {
  REPORT_FILE_NAMES,
  REPORT_FORMATS,
  isTemplateFormat,
  type ReportFormat,
  type ResultsFile,
  type TemplateFormat,
} from '../core/results-file.js';
import { renderCsv } from './export/csv.js';
import { renderJunit } from './export/junit.js';
import { renderMetrics } from './export/openmetrics.js';
import { buildReportModel } from './build-report-model.js';
import type { Comparison } from './compare/compare-results.js';
import { escapeMarkdownCell, escapeMarkdownText, markdownFence } from './markdown-escape.js';

export { REPORT_FORMATS, type ReportFormat };

export interface RenderOptions {
  /** Path of a Handlebars template to use instead of templates/report.<format>.hbs. */
  template?: string;
}

export interface RenderedReport {
  /** report.html or report.md. */
  main: string;
  /** Files the main one links to, by path relative to it: the SVG charts of report.md. */
  files: Record<string, string>;
}

export function isReportFormat(format: string): format is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(format);
}

export async function renderReport(results: ResultsFile, format: ReportFormat, options: RenderOptions = {}): Promise<RenderedReport> {
  if (!isReportFormat(format)) throw new UsageError(`unknown report format '${String(format)}': use ${REPORT_FORMATS.join(', ')}`);
  if (!isTemplateFormat(format)) {
    if (options.template !== undefined)
      throw new UsageError(`--template applies to the html and md reports; ${format} has a fixed form (docs/exports.md)`);
    return { main: renderExport(results, format), files: {} };
  }
  const model = buildReportModel(results, format, benchVersion);
  const env = await createTemplateEnv();
  const main = options.template
    ? renderUserTemplate(env, await readUserTemplate(options.template), options.template, model)
    : renderOwnTemplate(env, await readFile(packagePath(`templates/report.${format}.hbs`), 'utf8'), model);
  const files: Record<string, string> = {};
  if (format === 'md') {
    for (const chart of model.charts) files[chart.file] = `<?xml version="1.0" encoding="UTF-8"?>\n${chart.svg}\n`;
  }
  return { main, files };
}

/** The comparison through templates/compare.<format>.hbs, with the report's partials (its styles among them). */
export async function renderComparison(c: Comparison, format: 'md' | 'html'): Promise<string> {
  const env = await createTemplateEnv();
  const source = await readFile(packagePath(`templates/compare.${format}.hbs`), 'utf8');
  return env.compile(source, { strict: true })({ ...c, generator: { name: 'bench', version: benchVersion } });
}

/**
 * Writes the format's file (report.html, junit.xml ...: REPORT_FILE_NAMES, or options.fileName) into outDir, and the files it
 * links to beside it; returns every path written, the report first.
 */
export async function writeReport(
  results: ResultsFile,
  format: ReportFormat,
  outDir: string,
  options: RenderOptions & { fileName?: string } = {},
): Promise<string[]> {
  const report = await renderReport(results, format, options);
  const mainPath = join(outDir, options.fileName ?? REPORT_FILE_NAMES[format]);
  const written = [mainPath];
  await makeFolder(dirname(mainPath));
  await writeFileWhole(mainPath, report.main, WRITE_TODO);
  for (const [relative, content] of Object.entries(report.files)) {
    const path = join(dirname(mainPath), relative);
    // Chart names come from our own code, but a path must still never leave the report's folder.
    if (!resolve(path).startsWith(resolve(dirname(mainPath)) + sep))
      throw new BenchError('E_INTERNAL', `refusing to write '${relative}' outside the report folder`);
    await makeFolder(dirname(path));
    // Our own subfolder (charts/) must be ours: one that is a link to elsewhere is refused, not written through.
    if ((await lstat(dirname(path))).isSymbolicLink()) {
      throw new UsageError(
        `refusing to write the report's files into ${dirname(path)}: it is a symbolic link - remove it, or write the report elsewhere`,
      );
    }
    await writeFileWhole(path, content, WRITE_TODO);
    written.push(path);
  }
  return written;
}

function renderExport(results: ResultsFile, format: Exclude<ReportFormat, TemplateFormat>): string {
  switch (format) {
    case 'junit':
      return renderJunit(results);
    case 'csv':
      return renderCsv(results);
    case 'openmetrics':
      return renderMetrics(results, 'openmetrics');
  }
}

const WRITE_TODO = 'write the report elsewhere';

async function makeFolder(dir: string): Promise<void> {
  try {
    await makeFolders(dir);
  } catch (err) {
    throw writeError(dir, err, WRITE_TODO);
  }
}

function renderOwnTemplate(env: TemplateEnv, source: string, model: object): string {
  // Strict: a field the model lacks is a bug in bench, found by the tests rather than rendered as blank.
  return env.compile(source, { strict: true })(model);
}

function renderUserTemplate(env: TemplateEnv, source: string, path: string, model: object): string {
  try {
    return env.compile(source)(model);
  } catch (err) {
    // Handlebars parse errors quote the source and draw a caret over several lines; the first and last say it all.
    const lines = (err instanceof Error ? err.message : String(err)).split('\n').filter((l) => l.trim() !== '');
    const why = lines.length > 1 ? `${lines[0]} ${lines[lines.length - 1]}` : (lines[0] ?? 'unknown error');
    throw new UsageError(
      `cannot render template '${path}': ${why} - fix the template (its fields are in docs/report-data-model.md) or leave out --template`,
    );
  }
}

async function readUserTemplate(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read template '${path}': ${code === 'ENOENT' ? 'no such file' : String(code ?? err)} - pass a Handlebars file or leave out --template`,
    );
  }
}

/**
 * A Handlebars environment of our own (not the global one), with bench's
 * helpers and every templates/partials/*.hbs registered under its file name.
 * `{{value}}` HTML-escapes as always. The Markdown helpers escape for
 * Markdown instead; a Markdown template that forgets one still gets HTML
 * escaping, which GitHub shows correctly, so nothing unescaped slips through.
 */
type TemplateEnv = typeof Handlebars;

async function createTemplateEnv(): Promise<TemplateEnv> {
  const env = Handlebars.create();
  env.registerHelper('cell', (value: unknown) => new env.SafeString(escapeMarkdownCell(asText(value))));
  env.registerHelper('text', (value: unknown) => new env.SafeString(escapeMarkdownText(asText(value))));
  env.registerHelper(
    'fence',
    (value: unknown, language: unknown) => new env.SafeString(markdownFence(asText(value), typeof language === 'string' ? language : '')),
  );
  env.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  const dir = packagePath('templates/partials/');
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.hbs')).sort()) {
    env.registerPartial(file.slice(0, -'.hbs'.length), await readFile(new URL(file, dir), 'utf8'));
  }
  return env;
}

function asText(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

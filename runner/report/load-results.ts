import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BenchError } from '../core/errors.js';
import { packagePath } from '../core/package-paths.js';
import { RESULTS_NAME, RESULTS_SCHEMA_VERSION, RUN_LOG_NAME, type ResultsFile } from '../core/results-file.js';
import type { RunObject } from '../core/run-object.js';
import { findJsonError, findJsonValue } from './json-error-place.js';
import { jsonPointerSteps, valueAt } from '../core/json-pointer.js';

const WHAT_TO_DO = 'pass the results.json that bench run wrote';
/** The two files a `bench run` folder holds; results.jsonl alone after a crash. */

/**
 * A results file that cannot be read or is not one. It is the user's input, so
 * it exits like a usage error (2), which keeps it apart from `bench compare`
 * finding a regression (1).
 */
export class ResultsFileError extends BenchError {
  constructor(message: string) {
    super('E_USAGE', message);
  }
}

/** What results.jsonl holds: every run that ended, in order, and no more. */
export interface RunLogContents {
  /** The results.jsonl path. */
  path: string;
  runs: RunObject[];
}

export interface LoadResultsOptions {
  /**
   * Builds a results file from results.jsonl alone (groups and their
   * statistics are the scenario's to compute). Without it, a results.jsonl
   * is refused.
   */
  fromRunLog?: (log: RunLogContents) => ResultsFile;
  /** Where warnings go (a truncated last line of results.jsonl). */
  warn?: (line: string) => void;
}

/**
 * The results file `path` names: a results.json, a results.jsonl (one run per
 * line, what is left after a crash), or a results folder (its results.json,
 * else its results.jsonl).
 */
function resolveResultsPath(path: string): string {
  let isFolder = false;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    // Reading it says why, with the path.
  }
  if (!isFolder) return path;
  for (const name of [RESULTS_NAME, RUN_LOG_NAME]) {
    const candidate = join(path, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Try the next.
    }
  }
  throw new ResultsFileError(
    `cannot read results folder '${path}': it holds neither ${RESULTS_NAME} nor ${RUN_LOG_NAME} - pass a folder that bench run wrote, or its results.json`,
  );
}

/** The folder a report is written to by default: the results folder itself, or the file's folder. */
export function resultsFolderOf(path: string): string {
  const file = resolveResultsPath(path);
  return file === path ? join(file, '..') : path;
}

export async function loadResults(path: string, options: LoadResultsOptions = {}): Promise<ResultsFile> {
  const file = resolveResultsPath(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : String(code ?? err);
    throw new ResultsFileError(`cannot read results file '${file}': ${why} - ${WHAT_TO_DO}`);
  }
  if (basename(file) === RUN_LOG_NAME || file.endsWith('.jsonl')) {
    const log = parseRunLog(text, file, options.warn ?? ((line) => process.stderr.write(`${line}\n`)));
    if (!options.fromRunLog) throw new ResultsFileError(`cannot read '${file}': a run log needs the scenario's grouping - ${WHAT_TO_DO}`);
    return options.fromRunLog(log);
  }
  return parseResults(text, file);
}

export function parseResults(text: string, path: string): ResultsFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const place = findJsonError(text);
    const where = place ? ` at line ${place.line}, column ${place.column}: unexpected ${place.found}` : '';
    throw new ResultsFileError(`cannot read results file '${path}': not JSON${where} - ${WHAT_TO_DO}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ResultsFileError(
      `cannot read results file '${path}': not a bench results file (the top level is not an object) - ${WHAT_TO_DO}`,
    );
  }
  const version = (data as Record<string, unknown>).schema_version;
  if (version !== RESULTS_SCHEMA_VERSION) {
    throw new ResultsFileError(
      version === undefined
        ? `cannot read results file '${path}': not a bench results file (no schema_version) - ${WHAT_TO_DO}`
        : `cannot read results file '${path}': schema_version is ${JSON.stringify(version)}, this bench reads ${RESULTS_SCHEMA_VERSION} - render it with the bench version that wrote it`,
    );
  }
  const validate = validators().results;
  if (!validate(data)) throw schemaError(validate.errors ?? [], data, text, path, 0);
  return data as ResultsFile;
}

/**
 * results.jsonl: one run object per line, each checked as results.json checks
 * its runs. A last line without its newline is a write cut short by a crash:
 * it is skipped with a warning; anything else wrong is an error with its line.
 */
function parseRunLog(text: string, path: string, warn: (line: string) => void): RunLogContents {
  const lines = text.split('\n');
  const runs: RunObject[] = [];
  const validate = validators().run;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (line.trim() === '') continue;
    const last = n === lines.length - 1;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      if (last) {
        warn(
          `warning: ${path}:${n + 1}: the last line is cut short (the run was stopped while writing it); skipped it, ${runs.length} complete run${runs.length === 1 ? '' : 's'} read`,
        );
        continue;
      }
      const place = findJsonError(line);
      throw new ResultsFileError(
        `${path}:${n + 1}:${place?.column ?? 1}: not a JSON line of results.jsonl - ${WHAT_TO_DO} or the results.jsonl beside it`,
      );
    }
    if (!validate(data)) throw schemaError(validate.errors ?? [], data, line, path, n);
    runs.push(data as RunObject);
  }
  if (runs.length === 0) throw new ResultsFileError(`${path}: holds no complete run - nothing to report`);
  return { path, runs };
}

let compiled: { results: ValidateFunction; run: ValidateFunction } | undefined;

/** schemas/results.schema.json, compiled once per process: the whole file, and one run (a line of results.jsonl). */
function validators(): { results: ValidateFunction; run: ValidateFunction } {
  if (compiled === undefined) {
    const schema = JSON.parse(readFileSync(packagePath('schemas/results.schema.json'), 'utf8')) as Record<string, unknown>;
    // verbose: errors carry the failing value's schema, from which a missing field's kind is named.
    // validateSchema off: the meta-schema check is the slow part; test/report-load-results.test.ts does it.
    const ajv = new Ajv2020.default({ strict: true, allErrors: false, verbose: true, validateSchema: false });
    const id = 'bench:results';
    ajv.addSchema({ ...schema, $id: id });
    compiled = { results: ajv.getSchema(id)!, run: ajv.getSchema(`${id}#/$defs/run`)! };
  }
  return compiled;
}

type PathStep = string | number;

/** The first problem ajv found, as `FILE:LINE:COL: runs[3].status should be 'ok' or 'failed', not "done"`. */
function schemaError(errors: ErrorObject[], data: unknown, text: string, path: string, lineOffset: number): ResultsFileError {
  const error = firstRelevant(errors, data);
  const steps = jsonPointerSteps(error.instancePath);
  const params = error.params as Record<string, unknown>;
  let problem: string;
  let placeSteps = steps;
  if (error.keyword === 'required') {
    problem = `${dotted([...steps, String(params.missingProperty)])} is missing`;
  } else if (error.keyword === 'additionalProperties') {
    const extra = String(params.additionalProperty);
    placeSteps = [...steps, extra];
    problem = `${dotted(steps) || 'the top level'} has an unknown field '${extra}'`;
  } else {
    const value = valueAt(data, steps);
    const shown = (JSON.stringify(value) ?? String(value)).slice(0, 40);
    problem = `${dotted(steps)} should be ${expected(error, errors)}, not ${shown}`;
  }
  const place = findJsonValue(text, placeSteps);
  const where = place ? `${path}:${place.line + lineOffset}:${place.column}` : path;
  return new ResultsFileError(`${where}: not a valid results file: ${problem} - ${WHAT_TO_DO}`);
}

/**
 * Figures are stream figures or RR figures: ajv tries both and reports both
 * failures. The run's own test says which one it meant; the other's errors
 * would send the user after fields the run was never meant to have.
 */
function firstRelevant(errors: ErrorObject[], data: unknown): ErrorObject {
  const meant = errors.filter((e) => {
    const other = otherFigureKind(e.instancePath, data);
    return other === null || !e.schemaPath.includes(other);
  });
  const first = (meant.length > 0 ? meant : errors)[0];
  return first;
}

function otherFigureKind(pointer: string, data: unknown): string | null {
  const steps = jsonPointerSteps(pointer);
  // A run is at runs/N in results.json, or the top level of a results.jsonl line.
  const runSteps = steps[0] === 'runs' && typeof steps[1] === 'number' ? steps.slice(0, 2) : steps[0] === 'groups' ? null : [];
  if (runSteps === null) return null;
  const test = (valueAt(data, runSteps) as { test?: unknown } | undefined)?.test;
  if (test === 'TCP_STREAM' || test === 'UDP_STREAM') return 'rr_figures';
  if (test === 'TCP_RR' || test === 'UDP_RR' || test === 'TCP_CRR') return 'stream_figures';
  return null;
}

/** What the schema wanted at the error's place, in words: every kind a `type` error allowed there, or its values. */
function expected(error: ErrorObject, errors: ErrorObject[]): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type': {
      const kinds = errors
        .filter((e) => e.keyword === 'type' && e.instancePath === error.instancePath)
        .map((e) => kindOf(String((e.params as { type: unknown }).type)));
      return [...new Set(kinds)].join(' or ');
    }
    case 'enum':
      return listValues(params.allowedValues as unknown[]);
    case 'const':
      return listValues([params.allowedValue]);
    case 'minimum':
      return `at least ${String(params.limit)}`;
    case 'maximum':
      return `at most ${String(params.limit)}`;
    case 'pattern':
      return error.instancePath.endsWith('_at')
        ? 'an ISO 8601 time, such as 2025-01-25T00:55:12.000Z'
        : `text of the form ${String(params.pattern)}`;
    case 'minLength':
      return 'not empty';
    default:
      return error.message ?? 'something else';
  }
}

function kindOf(type: string): string {
  switch (type) {
    case 'object':
      return 'an object';
    case 'array':
      return 'a list';
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    default:
      return `a ${type}`;
  }
}

function listValues(values: unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v)));
  if (shown.length <= 1) return shown.join('');
  if (shown.length === 2) return `${shown[0]} or ${shown[1]}`;
  return `one of ${shown.join(', ')}`;
}

/** `runs[3].status`, as a user finds it in the file. */
function dotted(steps: readonly PathStep[]): string {
  return steps.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

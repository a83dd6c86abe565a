import { readFile } from 'node:fs/promises';
import { BenchError } from '../core/errors.js';
import { RESULTS_SCHEMA_VERSION, type ResultsFile } from '../core/results-file.js';
import { findJsonError } from './json-error-place.js';

const WHAT_TO_DO = 'pass the results.json that bench run wrote';

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

export async function loadResults(path: string): Promise<ResultsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? err);
    throw new ResultsFileError(`cannot read results file '${path}': ${why} - ${WHAT_TO_DO}`);
  }
  return parseResults(text, path);
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
  const problem = findProblem(data);
  if (problem) throw new ResultsFileError(`cannot read results file '${path}': ${problem}`);
  return data as ResultsFile;
}

type Check = [path: string, ok: (v: unknown) => boolean, expected: string];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): boolean => typeof v === 'string';
const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/** The fields reports read, checked so a wrong file fails here with its field named, not deep inside a template. */
function findProblem(data: unknown): string | null {
  if (!isObject(data)) return `not a bench results file (the top level is not an object) - ${WHAT_TO_DO}`;
  if (data.schema_version !== RESULTS_SCHEMA_VERSION) {
    return data.schema_version === undefined
      ? `not a bench results file (no schema_version) - ${WHAT_TO_DO}`
      : `schema_version is ${JSON.stringify(data.schema_version)}, this bench reads ${RESULTS_SCHEMA_VERSION} - render it with the bench version that wrote it`;
  }
  const top: Check[] = [
    ['scenario', isObject, 'an object'],
    ['scenario.name', isString, 'a string'],
    ['scenario.text', isString, 'a string'],
    ['host', isObject, 'an object'],
    ['started_at', isString, 'a string'],
    ['finished_at', isString, 'a string'],
    ['runs', Array.isArray, 'a list'],
    ['groups', Array.isArray, 'a list'],
    ['expectations', Array.isArray, 'a list'],
  ];
  const runChecks: Check[] = [
    ['id', isString, 'a string'],
    ['test', isString, 'a test name'],
    ['status', (v) => v === 'ok' || v === 'failed', "'ok' or 'failed'"],
    ['params', isObject, 'an object'],
    ['peer', isObject, 'an object'],
    ['intervals', Array.isArray, 'a list'],
    ['duration_s', isNumber, 'a number'],
    ['client', isObject, 'an object'],
    ['server', isObject, 'an object'],
  ];
  const groupChecks: Check[] = [
    ['label', isString, 'a string'],
    ['test', isString, 'a test name'],
    ['params', isObject, 'an object'],
    ['run_ids', Array.isArray, 'a list'],
    ['figures', isObject, 'an object'],
  ];
  const expectationChecks: Check[] = [
    ['label', isString, 'a string'],
    ['figure', isString, 'a string'],
    ['ok', (v) => typeof v === 'boolean', 'true or false'],
  ];
  return (
    checkAll(data, top, '') ??
    checkList(data.runs as unknown[], 'runs', runChecks) ??
    checkList(data.groups as unknown[], 'groups', groupChecks) ??
    checkList(data.expectations as unknown[], 'expectations', expectationChecks)
  );
}

function checkList(list: unknown[], name: string, checks: Check[]): string | null {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isObject(item)) return `${name}[${i}] is not an object - ${WHAT_TO_DO}`;
    const problem = checkAll(item, checks, `${name}[${i}].`);
    if (problem) return problem;
  }
  return null;
}

function checkAll(data: Record<string, unknown>, checks: Check[], prefix: string): string | null {
  for (const [path, ok, expected] of checks) {
    const value = path.split('.').reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), data);
    if (!ok(value)) {
      return value === undefined
        ? `${prefix}${path} is missing - ${WHAT_TO_DO}`
        : `${prefix}${path} should be ${expected}, not ${JSON.stringify(value).slice(0, 40)} - ${WHAT_TO_DO}`;
    }
  }
  return null;
}

import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { didYouMean, listWords } from './did-you-mean.js';
import { TEST_NAMES } from '../core/test-params.js';
import { PARAM_KEYS } from '../core/params.js';
import { RUN_KEYS, RUN_ONLY_KEYS } from './scenario-model.js';
import { buildScenarioSchema } from './scenario-schema-source.js';
import type { DocPath, Problem } from './scenario-problem.js';
import { jsonPointerSteps } from '../core/json-pointer.js';

/**
 * The scenario schema, compiled once (schemas/scenario.schema.json is the
 * same, written out). The schema is the contract
 * editors check against while a user types; here it catches structure
 * (unknown keys, missing keys). Value problems get their sentences from the
 * scenario checker, which knows units; schema errors at the same place are
 * then dropped, so each mistake is reported once, in words.
 */
let compiled: ValidateFunction | undefined;

function scenarioSchemaValidator(): ValidateFunction {
  if (compiled === undefined) {
    const schema = buildScenarioSchema();
    const ajv = new Ajv2020.default({ strict: true, allErrors: true });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

const TOP_KEYS = ['name', 'description', 'peers', 'defaults', 'runs', 'report'];
const PEER_KEYS = ['host', 'port', 'token_file'];
const REPORT_KEYS = ['formats', 'title'];

/** Problems from the schema that the checker (which produced `checked`) did not already report. */
export function schemaProblems(data: unknown, checked: readonly DocPath[]): Problem[] {
  const problems: Problem[] = [];
  const near = nearChecked(checked);
  for (const error of schemaErrors(data)) {
    const path = jsonPointerSteps(error.instancePath);
    const structural = structuralProblem(error, path);
    if (structural !== undefined) {
      if (structural !== null) problems.push(structural);
      continue;
    }
    if (near(path)) continue;
    // The checker should have described this in words; this is a safety net.
    problems.push({ place: { kind: 'node', path, part: 'value' }, message: `${describePath(path)} ${error.message ?? 'is invalid'}` });
  }
  return problems;
}

/** Runs validated at a time: ajv joins each run's errors onto all before them (concat), so one pass costs errors squared. */
const RUNS_PER_PASS = 200;

/** The schema's errors, a few hundred runs per pass; top-level errors repeat per pass and are dropped as duplicates later. */
function schemaErrors(data: unknown): ErrorObject[] {
  const validate = scenarioSchemaValidator();
  const runs = data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>).runs : undefined;
  if (!Array.isArray(runs) || runs.length <= RUNS_PER_PASS) return validate(data) ? [] : [...(validate.errors ?? [])];
  const errors: ErrorObject[] = [];
  for (let start = 0; start < runs.length; start += RUNS_PER_PASS) {
    if (validate({ ...(data as Record<string, unknown>), runs: runs.slice(start, start + RUNS_PER_PASS) })) continue;
    for (const e of validate.errors ?? []) {
      const instancePath = e.instancePath.replace(/^\/runs\/(\d+)/, (_, i: string) => `/runs/${Number(i) + start}`);
      errors.push({ ...e, instancePath });
    }
  }
  return errors;
}

/** A sentence for unknown and missing keys; undefined for value errors; null to drop. */
function structuralProblem(error: ErrorObject, path: DocPath): Problem | null | undefined {
  const params = error.params as Record<string, unknown>;
  const extra =
    error.keyword === 'additionalProperties'
      ? params.additionalProperty
      : error.keyword === 'unevaluatedProperties'
        ? params.unevaluatedProperty
        : undefined;
  if (typeof extra === 'string') {
    return { place: { kind: 'node', path: [...path, extra], part: 'key' }, message: unknownKeyMessage(path, extra) };
  }
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    return { place: { kind: 'node', path, part: 'value' }, message: missingKeyMessage(path, params.missingProperty) };
  }
  return undefined;
}

function unknownKeyMessage(path: DocPath, key: string): string {
  const where = describePath(path);
  if (path.length === 1 && path[0] === 'defaults' && (RUN_ONLY_KEYS as readonly string[]).includes(key)) {
    return `${key} cannot be a default: give it in each run`;
  }
  const known = knownKeys(path);
  const guess = didYouMean(key, known);
  const what = path.length === 0 ? `unknown top-level key '${key}'` : `unknown key '${key}' in ${where}`;
  if (guess !== undefined) return `${what}: did you mean '${guess}'?`;
  return `${what}: known keys are ${listWords(known)}`;
}

function missingKeyMessage(path: DocPath, key: string): string {
  if (path.length === 0 && key === 'name')
    return 'the scenario has no name: add one, such as name: lab-baseline (it names the results folder)';
  if (path.length === 0 && key === 'runs') return 'the scenario has no runs: add runs: with a list of tests, such as - test: TCP_STREAM';
  if (path[0] === 'runs' && key === 'test')
    return `${describePath(path)} has no test: add test: with one of ${listWords(TEST_NAMES, 'or')}`;
  if (path[0] === 'peers' && key === 'host')
    return `${describePath(path)} has no host: add host: with the address of the machine running bench serve`;
  return `${describePath(path)} has no ${key}: add it`;
}

/** Constant lists, not copies: didYouMean folds a list once per list object, and a file may hold 100,000 unknown keys. */
const DEFAULT_KEYS: readonly string[] = [...PARAM_KEYS];
const ANY_RUN_KEYS: readonly string[] = [...RUN_KEYS];

function knownKeys(path: DocPath): readonly string[] {
  if (path.length === 0) return TOP_KEYS;
  if (path[0] === 'peers') return PEER_KEYS;
  if (path[0] === 'report') return REPORT_KEYS;
  if (path[0] === 'defaults') return DEFAULT_KEYS;
  return ANY_RUN_KEYS;
}

/** How a user names a place: `run 2`, `peer 'lab-b'`, `defaults`, `the top level`. */
function describePath(path: DocPath): string {
  if (path.length === 0) return 'the top level';
  const [head, second, ...rest] = path;
  let base: string;
  if (head === 'runs' && typeof second === 'number') base = `run ${second + 1}`;
  else if (head === 'peers' && second !== undefined) base = `peer '${second}'`;
  else return path.join('.');
  return rest.length === 0 ? base : `${base}, ${rest.join('.')}`;
}

/**
 * Whether a path is on the way to or inside a place the checker reported:
 * every prefix of every checked path goes in one set, so each schema error
 * costs its own length, not a scan of all the checker's problems.
 */
function nearChecked(checked: readonly DocPath[]): (path: DocPath) => boolean {
  // As text: the schema's pointer /expect/1 reads back as the number 1 where the checker wrote the key '1'.
  const id = (path: DocPath, length: number) => JSON.stringify(path.slice(0, length).map(String));
  const exact = new Set(checked.map((c) => id(c, c.length)));
  const prefixes = new Set(checked.flatMap((c) => c.map((_, i) => id(c, i + 1))));
  return (path) => prefixes.has(id(path, path.length)) || path.some((_, i) => exact.has(id(path, i))) || exact.has(id(path, path.length));
}

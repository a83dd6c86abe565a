import { UnitError, UsageError } from './errors.js';
import {
  checkParams,
  defaultParams,
  paramsFrom,
  PARAM_KEYS,
  PARAM_LIST,
  parseParamValue,
  type DataPath,
  type ParamKey,
  type ParamProblem,
} from './params.js';
import { isTestName, TEST_NAMES, type TestParams } from './test-params.js';

/** `bench test` options by parameter key (snake_case, as in scenarios), as typed. */
export type RawTestOptions = Partial<Record<ParamKey, unknown>>;

export function parseTestName(name: string): TestParams['test'] {
  const upper = name.toUpperCase();
  if (!isTestName(upper)) throw new UsageError(`unknown test '${name}': choose one of ${TEST_NAMES.join(', ')}`);
  return upper;
}

export interface TestOptions {
  params: TestParams;
  /** The options that do not go to the server; absent when not given. */
  peer?: string;
  from?: string;
  wait_s?: number;
  data_path?: DataPath;
  /** Every problem with the options, each naming its key; empty when they are all fine. */
  problems: ParamProblem[];
}

/** Reads every option through its declaration, then runs the one checkParams; collects all problems. */
export function readTestOptions(testName: string, raw: RawTestOptions): TestOptions {
  const test = parseTestName(testName);
  const fields: Record<string, unknown> = {};
  const result: TestOptions = { params: defaultParams(test), problems: [] };
  const given = new Set<string>();
  for (const param of PARAM_LIST) {
    const value = raw[param.key];
    if (value === undefined) continue;
    given.add(param.key);
    if (Array.isArray(value)) {
      result.problems.push({
        keys: [param.key],
        message: `${param.key} is given ${value.length} times (${value.map(String).join(', ')}): give it once`,
      });
      continue;
    }
    let parsed: ReturnType<typeof parseParamValue>;
    try {
      parsed = parseParamValue(param, value);
    } catch (err) {
      if (!(err instanceof UnitError)) throw err;
      result.problems.push({ keys: [param.key], message: err.message });
      continue;
    }
    if (param.field !== undefined) fields[param.field] = parsed;
    else if (param.key === 'peer') result.peer = parsed as string;
    else if (param.key === 'from') result.from = parsed as string;
    else if (param.key === 'wait') result.wait_s = parsed as number;
    else if (param.key === 'data_path') result.data_path = parsed as DataPath;
  }
  const params = paramsFrom(test, fields);
  result.params = params;
  const unreadable = new Set(result.problems.flatMap((p) => p.keys));
  // A key that could not be read kept its default: rules about it would blame a value nobody wrote.
  result.problems.push(...checkParams(params, given).filter((p) => !p.keys.some((k) => unreadable.has(k))));
  // In the order of the options' declarations, as --help lists them.
  result.problems.sort((a, b) => PARAM_KEYS.indexOf(a.keys[0]) - PARAM_KEYS.indexOf(b.keys[0]));
  return result;
}

/** TestParams from options, or a UsageError listing every problem. */
export function resolveParams(testName: string, raw: RawTestOptions): TestParams {
  const options = readTestOptions(testName, raw);
  if (options.problems.length > 0) throw new UsageError(problemsText(options.problems));
  return options.params;
}

/** One problem as its sentence; several as a count and one line each. */
export function problemsText(problems: readonly ParamProblem[]): string {
  if (problems.length === 1) return problems[0].message;
  return [`${problems.length} problems with the options (nothing was run):`, ...problems.map((p) => `  ${p.message}`)].join('\n');
}

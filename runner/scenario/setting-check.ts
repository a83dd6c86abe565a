import { UnitError } from '../core/errors.js';
import { didYouMean, listWords } from './did-you-mean.js';
import { PARAM_LIST, parseParamValue, type Param } from '../core/params.js';
import { LOCAL_PEER } from './scenario-model.js';
import type { Problem, ProblemPlace } from './scenario-problem.js';

const SWEEPABLE_KEYS = PARAM_LIST.filter((p) => p.sweepable).map((p) => p.key);

/**
 * Checks one setting's value (a single value, or a sweep list) wherever it
 * was written: the file's defaults or runs, or `--set`. `placeOf(i)` says
 * where element i of a list is (undefined: the whole value).
 */
export function checkSettingValue(
  spec: Param,
  value: unknown,
  placeOf: (element?: number) => ProblemPlace,
  peers: readonly string[],
): Problem[] {
  const problems: Problem[] = [];
  const add = (message: string, element?: number) => problems.push({ place: placeOf(element), message });
  if (!Array.isArray(value)) {
    const message = checkOne(spec, value, peers);
    if (message !== null) add(message);
    return problems;
  }
  if (!spec.sweepable) {
    add(`${spec.key} cannot sweep: only ${listWords(SWEEPABLE_KEYS)} take a list; give one value`);
    return problems;
  }
  if (value.length === 0) {
    add(`an empty list sweeps nothing: give ${spec.key} at least one value`);
    return problems;
  }
  const seen = new Map<string, unknown>();
  value.forEach((element: unknown, i) => {
    if (element !== null && typeof element === 'object') {
      add(`a sweep list holds single values, not ${Array.isArray(element) ? 'lists' : 'mappings'}: write ${spec.key}: [a, b, c]`, i);
      return;
    }
    const message = checkOne(spec, element, peers);
    if (message !== null) {
      add(message, i);
      return;
    }
    const parsed = String(parseParamValue(spec, element));
    const earlier = seen.get(parsed);
    if (seen.has(parsed)) {
      const same =
        String(earlier) === String(element) ? `${String(element)} twice` : `${String(earlier)} and ${String(element)}, the same value`;
      add(`the sweep over ${spec.key} lists ${same}: list each value once (repeat: runs a value more than once)`, i);
    }
    seen.set(parsed, element);
  });
  return problems;
}

function checkOne(spec: Param, value: unknown, peers: readonly string[]): string | null {
  try {
    parseParamValue(spec, value);
  } catch (err) {
    if (err instanceof UnitError) return err.message;
    throw err;
  }
  if (spec.kind === 'peer') return checkPeerName(String(value), peers);
  return null;
}

function checkPeerName(name: string, peers: readonly string[]): string | null {
  if (name === LOCAL_PEER || peers.includes(name)) return null;
  const fix = `add it there with its host, or use '${LOCAL_PEER}' for the embedded server`;
  if (peers.length === 0)
    return `peer '${name}' is not defined: add it under peers: with its host, or use '${LOCAL_PEER}' for the embedded server`;
  const guess = didYouMean(name, peers);
  if (guess !== undefined) return `peer '${name}' is not defined under peers: did you mean '${guess}'?`;
  return `peer '${name}' is not defined under peers (defined: ${peers.join(', ')}): ${fix}`;
}

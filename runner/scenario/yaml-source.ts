import {
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Alias,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import type { DocPath, LocatedProblem, Problem } from './scenario-problem.js';

/**
 * A scenario file parsed with positions kept, so every problem found later,
 * in the data, can be mapped back to the line and column the user wrote.
 */
export interface YamlSource {
  file: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** Each alias and the node it stands for, found once: the yaml package searches the whole document per alias. */
  aliases: ReadonlyMap<Alias, Node>;
}

/** Anchors and aliases a file may hold: a scenario needs a handful, and each alias costs a search when read. */
const MAX_ANCHORS_AND_ALIASES = 1000;
/** Values the aliases may add when unfolded: a few lines of aliases of aliases can stand for billions. */
const MAX_ALIASED_VALUES = 100_000;

export function parseYamlSource(file: string, text: string): { source: YamlSource; problems: Problem[] } {
  const lines = new LineCounter();
  // merge: `<<: *anchor` lets runs share settings, as in docker-compose files.
  // uniqueKeys is checked below: the yaml package compares each key with every earlier one (quadratic).
  // logLevel: a key that is a list would otherwise be printed as a Node warning; the schema reports it as unknown.
  // YAML 1.2 core, whatever a %YAML directive says, and no !!binary, !!set or !!timestamp: values are only
  // text, numbers, booleans, null, lists and mappings, never a Buffer, Set or Date the checks do not expect.
  const doc = parseDocument(text, {
    lineCounter: lines,
    merge: true,
    prettyErrors: false,
    uniqueKeys: false,
    logLevel: 'error',
    version: '1.2',
    schema: 'core',
    resolveKnownTags: false,
  });
  // After the first real syntax error the parser reports mostly echoes of it; duplicate keys stand on their own.
  const problems: Problem[] = doc.errors.slice(0, 1).map((e) => ({
    place: { kind: 'offset', offset: e.pos[0] },
    message: `YAML syntax error: ${firstSentence(e.message)}`,
  }));
  const walked = walkDocument(doc);
  problems.push(...walked.duplicates);
  // Past a syntax error, alias problems would be guesses too.
  if (problems.length === 0) problems.push(...walked.aliasProblems);
  return { source: { file, text, doc, lines, aliases: walked.aliases }, problems };
}

/**
 * The document as plain data. parseYamlSource has checked that every alias
 * resolves, that none contains itself, and how far they unfold, so the
 * yaml package's own alias limit (which counts per alias and throws a
 * ReferenceError without a position) is not needed; anything it still
 * throws becomes a problem rather than an internal error.
 */
export function documentData(source: YamlSource): { data: unknown; problems: Problem[] } {
  try {
    return { data: source.doc.toJS({ maxAliasCount: -1 }), problems: [] };
  } catch (err) {
    const message = `this YAML cannot be read as data (${firstSentence(err instanceof Error ? err.message : String(err))}): check its aliases and << merges`;
    return { data: undefined, problems: [{ place: { kind: 'offset', offset: 0 }, message }] };
  }
}

function firstSentence(message: string): string {
  return message
    .split('\n')[0]
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
}

/**
 * One pass over the document, in the order it is written: duplicate keys,
 * and every alias resolved to the last anchor of its name before it (as
 * YAML says), with the problems the yaml package would otherwise throw
 * later without a position: an alias with no anchor, an alias inside the
 * value it names, a merge of something that is not a mapping, and aliases
 * that unfold into more than MAX_ALIASED_VALUES values.
 */
function walkDocument(doc: Document.Parsed): { duplicates: Problem[]; aliasProblems: Problem[]; aliases: Map<Alias, Node> } {
  const duplicates: Problem[] = [];
  const aliasProblems: Problem[] = [];
  const anchors = new Map<string, Node>();
  const aliases = new Map<Alias, Node>();
  /** Values each finished node unfolds to, aliases included. */
  const unfolded = new Map<Node, number>();
  /** Nodes being walked: an alias of one of them would contain itself. */
  const open = new Set<Node>();
  let marks = 0;
  let aliasedValues = 0;
  let tooMany = false;
  const at = (node: Node, message: string) => aliasProblems.push({ place: { kind: 'offset', offset: node.range?.[0] ?? 0 }, message });

  const countMark = (node: Node): void => {
    marks += 1;
    if (marks === MAX_ANCHORS_AND_ALIASES + 1) {
      at(
        node,
        `this file has more than ${MAX_ANCHORS_AND_ALIASES} anchors and aliases: a scenario needs far fewer; share settings with defaults: instead`,
      );
    }
  };

  const resolveAlias = (alias: Alias): Node | undefined => {
    countMark(alias);
    const target = anchors.get(alias.source);
    if (target === undefined) {
      at(
        alias,
        `alias *${alias.source} has no anchor &${alias.source} before it: write &${alias.source} on a value above this line, or fix the name`,
      );
      return undefined;
    }
    if (open.has(target)) {
      at(
        alias,
        `alias *${alias.source} is inside the value anchored &${alias.source}, so that value would contain itself: point the alias at another value`,
      );
      return undefined;
    }
    aliases.set(alias, target);
    return target;
  };

  const walk = (value: unknown): number => {
    if (isAlias(value)) {
      const target = resolveAlias(value);
      if (target === undefined) return 1;
      const n = unfolded.get(target) ?? 1;
      aliasedValues += n;
      if (aliasedValues > MAX_ALIASED_VALUES && !tooMany) {
        tooMany = true;
        at(
          value,
          `the aliases in this file unfold into more than ${MAX_ALIASED_VALUES.toLocaleString('en-US')} values (each *alias copies the whole value it names): write the values out, or alias fewer nested values`,
        );
      }
      return n;
    }
    if (!isNode(value)) return 1;
    if (value.anchor) {
      countMark(value);
      anchors.set(value.anchor, value);
    }
    open.add(value);
    let n = 1;
    if (isMap(value)) {
      n += walkMap(value);
    } else if (isSeq(value)) {
      for (const item of value.items) n += walk(item);
    }
    open.delete(value);
    unfolded.set(value, n);
    return n;
  };

  const walkMap = (map: YAMLMap): number => {
    let n = 0;
    const seen = new Set<string>();
    for (const pair of map.items) {
      const key = pair.key;
      if (isMergeKey(key)) {
        n += walk(pair.value);
        checkMerge(pair);
        continue;
      }
      const id = keyIdentity(key);
      if (id !== undefined) {
        if (seen.has(id)) {
          const shown = isScalar(key) ? ` '${String(key.value)}'` : '';
          duplicates.push({
            place: { kind: 'offset', offset: (isNode(key) ? key.range?.[0] : undefined) ?? map.range?.[0] ?? 0 },
            message: `duplicate key${shown}: each key may appear only once in a mapping; remove one of them`,
          });
        }
        seen.add(id);
      }
      n += walk(key) + walk(pair.value);
    }
    return n;
  };

  const checkMerge = (pair: Pair): void => {
    const value = pair.value;
    const merged = isAlias(value) ? aliases.get(value) : value;
    // An alias that did not resolve is reported already.
    if (isAlias(value) && merged === undefined) return;
    const sources = isSeq(merged) ? merged.items.map((i) => (isAlias(i) ? (aliases.get(i) ?? null) : i)) : [merged];
    if (sources.every((s) => s === null || isMap(s))) return;
    const where = isNode(value) ? value : isNode(pair.key) ? pair.key : null;
    if (where) at(where, '<< merges mappings: its value must be a mapping, an alias of one (<<: *defaults), or a list of those');
  };

  walk(doc.contents);
  return { duplicates, aliasProblems, aliases };
}

function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  const v = key.value;
  return (typeof v === 'symbol' && v.description === '<<') || (v === '<<' && (key.type === undefined || key.type === 'PLAIN'));
}

/** Keys the yaml package would call equal share an identity: scalars by value; other keys never clash. */
function keyIdentity(key: unknown): string | undefined {
  if (key === null || key === undefined) return 'null';
  if (!isScalar(key)) return undefined;
  const v = key.value;
  if (v === null) return 'null';
  if (typeof v === 'object' || typeof v === 'symbol') return undefined;
  return `${typeof v}:${String(v)}`;
}

/** The node at `path`, following aliases and `<<` merges; the deepest node found when the path runs out. */
function findNode(source: YamlSource, path: DocPath): { node: Node | null; pair: Pair | null; complete: boolean } {
  let node = resolve(source, source.doc.contents as Node | null);
  let pair: Pair | null = null;
  for (const segment of path) {
    if (node === null) return { node, pair, complete: false };
    let next: { node: Node | null; pair: Pair | null } | null = null;
    if (isMap(node)) next = findInMap(source, node, String(segment));
    else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      next = { node: resolve(source, node.items[segment] as Node), pair: null };
    }
    if (next === null) return { node, pair: null, complete: false };
    node = next.node;
    pair = next.pair;
  }
  return { node, pair, complete: true };
}

/** Per mapping, its pairs by key (the first of each) and its merge sources, built once: problems look keys up one by one. */
interface MapIndex {
  byKey: Map<string, Pair>;
  merges: Node[];
}
const mapIndexes = new WeakMap<YAMLMap, MapIndex>();

function indexOf(map: YAMLMap): MapIndex {
  let index = mapIndexes.get(map);
  if (index !== undefined) return index;
  index = { byKey: new Map(), merges: [] };
  for (const p of map.items) {
    const k = isScalar(p.key) ? p.key.value : p.key;
    if (typeof k === 'symbol' || k === '<<') {
      index.merges.push(p.value as Node);
      continue;
    }
    const name = String(k);
    if (!index.byKey.has(name)) index.byKey.set(name, p as Pair);
  }
  mapIndexes.set(map, index);
  return index;
}

function findInMap(source: YamlSource, map: Node, key: string, depth = 0): { node: Node | null; pair: Pair | null } | null {
  if (!isMap(map) || depth > 8) return null;
  const index = indexOf(map);
  const own = index.byKey.get(key);
  if (own !== undefined) return { node: resolve(source, own.value as Node | null), pair: own };
  for (const m of index.merges) {
    const merged = resolve(source, m);
    const sources = isSeq(merged) ? merged.items.map((i) => resolve(source, i as Node)) : [merged];
    for (const s of sources) {
      if (s === null) continue;
      const found = findInMap(source, s, key, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

function resolve(source: YamlSource, node: Node | null | undefined): Node | null {
  const n = node ?? null;
  return n !== null && isAlias(n) ? (source.aliases.get(n) ?? null) : n;
}

/** Turns a problem into FILE:LINE:COL (or `--set ...`) with its sentence. */
function locateProblem(source: YamlSource, problem: Problem): LocatedProblem {
  const place = problem.place;
  if (place.kind === 'set') return { where: `--set ${place.text}`, line: 0, col: 0, message: problem.message };
  const { line, col } = source.lines.linePos(problemOffset(source, problem) ?? 0);
  return { where: `${source.file}:${line}:${col}`, line, col, message: problem.message };
}

/** Where in the file text a problem is; null for command-line problems. */
export function problemOffset(source: YamlSource, problem: Problem): number | null {
  const place = problem.place;
  if (place.kind === 'set') return null;
  if (place.kind === 'offset') return place.offset;
  const { node, pair, complete } = findNode(source, place.path);
  const key = complete && place.part === 'key' && pair !== null && isScalar(pair.key) ? pair.key : null;
  return key?.range?.[0] ?? node?.range?.[0] ?? 0;
}

/** File problems in reading order, then command-line problems; duplicates dropped. */
export function locateAll(source: YamlSource, problems: readonly Problem[]): LocatedProblem[] {
  const seen = new Set<string>();
  const located: LocatedProblem[] = [];
  for (const p of problems) {
    const l = locateProblem(source, p);
    const id = `${l.where}\u0000${l.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    located.push(l);
  }
  const rank = (l: LocatedProblem) => (l.line === 0 ? Number.MAX_SAFE_INTEGER : l.line);
  return located
    .map((l, i) => ({ l, i }))
    .sort((a, b) => rank(a.l) - rank(b.l) || a.l.col - b.l.col || a.i - b.i)
    .map(({ l }) => l);
}

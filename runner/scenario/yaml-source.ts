import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
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
}

export function parseYamlSource(file: string, text: string): { source: YamlSource; problems: Problem[] } {
  const lines = new LineCounter();
  // merge: `<<: *anchor` lets runs share settings, as in docker-compose files.
  const doc = parseDocument(text, { lineCounter: lines, merge: true, prettyErrors: false, uniqueKeys: true });
  // After the first real syntax error the parser reports mostly echoes of it; duplicate keys stand on their own.
  const firstSyntax = doc.errors.findIndex((e) => e.code !== 'DUPLICATE_KEY');
  const errors = doc.errors.filter((e, i) => e.code === 'DUPLICATE_KEY' || i === firstSyntax);
  const problems: Problem[] = errors.map((e) => ({
    place: { kind: 'offset', offset: e.pos[0] },
    message: e.code === 'DUPLICATE_KEY'
      ? `duplicate key${keyAt(text, e.pos[0])}: each key may appear only once in a mapping; remove one of them`
      : `YAML syntax error: ${firstSentence(e.message)}`,
  }));
  return { source: { file, text, doc, lines }, problems };
}

function keyAt(text: string, offset: number): string {
  const key = /^["']?([^"':\n]+)/.exec(text.slice(offset))?.[1]?.trim();
  return key ? ` '${key}'` : '';
}

function firstSentence(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').trim();
}

/** The node at `path`, following aliases and `<<` merges; the deepest node found when the path runs out. */
export function findNode(doc: Document, path: DocPath): { node: Node | null; pair: Pair | null; complete: boolean } {
  let node = resolve(doc, doc.contents as Node | null);
  let pair: Pair | null = null;
  for (const segment of path) {
    if (node === null) return { node, pair, complete: false };
    let next: { node: Node | null; pair: Pair | null } | null = null;
    if (isMap(node)) next = findInMap(doc, node, String(segment));
    else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      next = { node: resolve(doc, node.items[segment] as Node), pair: null };
    }
    if (next === null) return { node, pair: null, complete: false };
    node = next.node;
    pair = next.pair;
  }
  return { node, pair, complete: true };
}

function findInMap(doc: Document, map: Node, key: string, depth = 0): { node: Node | null; pair: Pair | null } | null {
  if (!isMap(map) || depth > 8) return null;
  const merges: Node[] = [];
  for (const p of map.items) {
    const k = isScalar(p.key) ? p.key.value : p.key;
    if (typeof k === 'symbol' || k === '<<') {
      merges.push(p.value as Node);
      continue;
    }
    if (String(k) === key) return { node: resolve(doc, p.value as Node | null), pair: p as Pair };
  }
  for (const m of merges) {
    const source = resolve(doc, m);
    const sources = isSeq(source) ? source.items.map((i) => resolve(doc, i as Node)) : [source];
    for (const s of sources) {
      if (s === null) continue;
      const found = findInMap(doc, s, key, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

function resolve(doc: Document, node: Node | null | undefined): Node | null {
  let n = node ?? null;
  for (let i = 0; i < 16 && n !== null && isAlias(n); i++) n = (n.resolve(doc) as Node | undefined) ?? null;
  return n;
}

/** Turns a problem into FILE:LINE:COL (or `--set ...`) with its sentence. */
export function locateProblem(source: YamlSource, problem: Problem): LocatedProblem {
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
  const { node, pair, complete } = findNode(source.doc, place.path);
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

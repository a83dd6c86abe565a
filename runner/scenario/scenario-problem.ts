/** A path into the scenario document, such as ['runs', 1, 'rate', 0]. */
export type DocPath = readonly (string | number)[];

/** Where a problem is, before it is turned into FILE:LINE:COL. */
export type ProblemPlace =
  /** A node of the document: its key (for unknown keys) or its value. */
  | { kind: 'node'; path: DocPath; part: 'key' | 'value' }
  /** A character offset in the file text (YAML syntax errors, a variable inside a value). */
  | { kind: 'offset'; offset: number }
  /** A command-line `--set key=value`, shown as written. */
  | { kind: 'set'; text: string };

export interface Problem {
  place: ProblemPlace;
  message: string;
}

/** A problem placed on a line, ready to print. */
export interface LocatedProblem {
  /** `FILE:LINE:COL` or `--set key=value`. */
  where: string;
  line: number;
  col: number;
  message: string;
}

export function formatProblem(p: LocatedProblem): string {
  return `${p.where}: ${p.message}`;
}

/**
 * How wide the reader's terminal is, and text fitted to it: measured in
 * visible characters (colour codes take no room), wrapped at spaces.
 */

/** Columns assumed on a terminal that reports none (some pseudo-terminals say 0). */
export const FALLBACK_COLUMNS = 80;
/** Below this, a reported width is a broken report, not a terminal anyone reads in. */
const MIN_COLUMNS = 20;

/**
 * The width to fit output to: a terminal's own; COLUMNS when set and output
 * is not a terminal; otherwise no limit (undefined). Output to a file or a CI
 * log is read later in a viewer of unknown width, where a long line is only a
 * long line but a dropped column is lost for good.
 */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (stream.isTTY === true) return stream.columns !== undefined && stream.columns >= MIN_COLUMNS ? stream.columns : FALLBACK_COLUMNS;
  const fromEnv = Number(env.COLUMNS);
  return Number.isSafeInteger(fromEnv) && fromEnv >= MIN_COLUMNS ? fromEnv : undefined;
}

// Colour (SGR) codes only: scenario output writes no other escapes inside its text.
const SGR = /\x1b\[[0-9;]*m/g;

function stripAnsi(text: string): string {
  return text.replace(SGR, '');
}

export function visibleLength(text: string): number {
  return [...stripAnsi(text)].length;
}

/** The widest line of `text`, in visible characters. */
export function widestLine(text: string): number {
  return Math.max(0, ...text.split('\n').map(visibleLength));
}

/**
 * `text` broken at spaces into lines of at most `width` visible characters,
 * later lines starting with `indent`. A word longer than a line (a path) is
 * left whole on its own line: cutting it would break copying it.
 */
export function wrapWords(text: string, width: number | undefined, indent = ''): string[] {
  if (width === undefined || visibleLength(text) <= width) return [text];
  // Each piece is a word with the spaces before it, so that a line keeps the spacing it was written with.
  const pieces = text.match(/ *[^ ]+/g) ?? [];
  const lines: string[] = [];
  let line = '';
  let lineLength = 0;
  let started = false;
  for (const piece of pieces) {
    const w = visibleLength(piece);
    if (started && lineLength + w > width) {
      lines.push(line);
      const word = piece.trimStart();
      line = indent + word;
      lineLength = indent.length + visibleLength(word);
      continue;
    }
    line += piece;
    lineLength += w;
    started = true;
  }
  lines.push(line);
  return lines;
}

/**
 * Text for a table cell `width` wide: wrapped at spaces, and a word longer
 * than the cell (a label without spaces) cut into pieces that fit, after a
 * punctuation mark where one is near the end. Plain text only.
 */
export function wrapCell(text: string, width: number | undefined): string[] {
  if (width === undefined) return [text];
  return wrapWords(text, width).flatMap((line) => {
    let chars = [...line];
    const pieces: string[] = [];
    while (chars.length > width) {
      // After a - _ = / or . in the last two thirds of the piece when there is one: `uplink-through-the-` reads better than `uplink-through-the-l`.
      let cut = width;
      for (let i = width - 1; i >= Math.ceil(width / 3); i--) {
        if ('-_=/.'.includes(chars[i])) {
          cut = i + 1;
          break;
        }
      }
      pieces.push(chars.slice(0, cut).join(''));
      chars = chars.slice(cut);
    }
    pieces.push(chars.join(''));
    return pieces;
  });
}

/** Every line of `text` wrapped to `width`, continuation lines indented by `indent`. */
export function wrapLines(text: string, width: number | undefined, indent = '  '): string {
  return text
    .split('\n')
    .flatMap((line) => wrapWords(line, width, indent))
    .join('\n');
}

/** Cuts `text` to `width` visible characters, ending in … when cut; colour codes are kept whole. */
export function truncateVisible(text: string, width: number): string {
  if (visibleLength(text) <= width) return text;
  let visible = 0;
  let out = '';
  const room = Math.max(0, width - 1);
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\x1b') {
      const end = text.indexOf('m', i);
      if (end > 0) {
        out += text.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= room) continue;
    const code = text.codePointAt(i)!;
    const char = String.fromCodePoint(code);
    out += char;
    i += char.length - 1;
    visible++;
  }
  return width > 0 ? `${out}…` : out;
}

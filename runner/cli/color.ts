/**
 * Whether to colour output written to `stream`: the one decision every
 * command makes, in this order: --no-color; NO_COLOR set and not empty
 * (no-color.org); FORCE_COLOR, where 0 and false turn colour off and any
 * other value on, as Node and supports-color read it; TERM=dumb; and then
 * whether the stream is a terminal.
 */
export function useColor(stream: { isTTY?: boolean }, flag?: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** ANSI colour for the output of any command, or plain text when colour is off (useColor decides). */
export interface Palette {
  enabled: boolean;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  cyan(s: string): string;
  grey(s: string): string;
}

export function palette(enabled: boolean): Palette {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return {
    enabled,
    green: wrap(32, 39),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
    cyan: wrap(36, 39),
    grey: wrap(90, 39),
  };
}

/** cli-table3 options that leave colour to us: given a style, it asks @colors/colors, which decides on colour its own way. */
export const UNSTYLED_TABLE = { style: { head: [] as string[], border: [] as string[] } };

/** A drawn table's borders (box-drawing characters) in grey, by this palette's decision alone. */
export function greyBorders(table: string, colours: Palette): string {
  return colours.enabled ? table.replace(/[\u2500-\u257f]+/g, (run) => colours.grey(run)) : table;
}

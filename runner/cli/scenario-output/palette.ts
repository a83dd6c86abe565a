/**
 * ANSI colour for scenario output, or plain text when colour is off
 * (whether it is on is decided once, by runner/cli/color.ts).
 */
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

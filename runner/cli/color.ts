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

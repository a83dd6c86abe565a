/**
 * Text that a peer or a file supplied (a server's ERROR message, a host name,
 * a scenario label), made safe to print on a terminal. A terminal obeys the
 * control characters it is sent: ESC starts sequences that retitle the
 * window (`\x1b]0;...\x07`), clear the screen (`\x1b[2J`) or move the cursor
 * to overwrite earlier lines; a lone CR rewrites the line; bidirectional
 * overrides make text read differently from what it is. Each such character
 * is shown as an escape (`\x1b`, `\u202e`) instead, so the reader sees that
 * it was there and what it was.
 */
export interface PrintableOptions {
  /** Keep line feeds and tabs: for messages that are meant to span lines (a list of problems). */
  multiline?: boolean;
}

// C0 controls, DEL and C1 controls; bidirectional embeddings, overrides and isolates; line and paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
const UNSAFE_KEEPING_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

export function printable(text: string, options: PrintableOptions = {}): string {
  return text.replace(options.multiline ? UNSAFE_KEEPING_LINES : UNSAFE, escapeOne);
}

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

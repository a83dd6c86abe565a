/**
 * Escaping for GitHub-flavoured Markdown. Values from a scenario or a peer
 * must read as text: no HTML (GFM passes it through), no table breaks (`|`,
 * or a line ending: GFM ends a line at \n, \r\n and a lone \r alike), no
 * code spans, emphasis, strikethrough (`~`), math (`$`, on GitHub) or links
 * they did not ask for, autolinks included (www., http://, e-mail addresses).
 */
const INLINE = /[\\`*_[\]<>&|~$@]/g;
const REPLACEMENTS: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };
/**
 * Line endings, tabs and every other control character (C0, DEL, C1), and the
 * Unicode line and paragraph separators, which end a line for JavaScript
 * renderers such as marked: each becomes a space.
 */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;
/** `http://`, `https://`, `ftp://`: an escaped colon is no longer a scheme. */
const URL_SCHEME = /([a-z])(:)(?=\/\/)/gi;
/** `www.example.com`: an escaped dot is no longer an extended autolink. */
const WWW = /(www)\./gi;
/** What begins a heading, a list item or a setext underline when it opens a line. */
const LINE_START = /^(?:([#+=-])|(\d+)([.)]))/;

/** Text in a paragraph, a heading or a list item: one line, read as written, never opening a block of its own. */
export function escapeMarkdownText(text: string): string {
  return escapeInline(text).replace(LINE_START, (_m, mark: string | undefined, digits: string, dot: string) =>
    mark ? `\\${mark}` : `${digits}\\${dot}`,
  );
}

/** Text in a table cell: inline only (a cell opens no block, so -20% stays as it is), and never empty, which some renderers draw as a missing cell. */
export function escapeMarkdownCell(text: string): string {
  const escaped = escapeInline(text);
  return escaped === '' ? ' ' : escaped;
}

function escapeInline(text: string): string {
  return text
    .replace(CONTROL, ' ')
    .trim()
    .replace(INLINE, (c) => REPLACEMENTS[c] ?? `\\${c}`)
    .replace(URL_SCHEME, '$1\\$2')
    .replace(WWW, '$1\\.');
}

/** A fenced code block that no backtick run inside the text can close early. */
export function markdownFence(text: string, language = ''): string {
  // A loop, not a spread into Math.max: a text of many backtick runs would overflow the stack.
  let longest = 2;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text.replace(/\n$/, '')}\n${fence}`;
}

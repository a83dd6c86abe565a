/**
 * Escaping for GitHub-flavoured Markdown. Values from a scenario or a peer
 * must read as text: no HTML (GFM passes it through), no table breaks (`|`),
 * no code spans, emphasis or links they did not ask for.
 */
const INLINE = /[\\`*_[\]<>&|]/g;
const REPLACEMENTS: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };

/** Text in a paragraph or a heading. */
export function escapeMarkdownText(text: string): string {
  return text.replace(INLINE, (c) => REPLACEMENTS[c] ?? `\\${c}`).replace(/\r?\n/g, ' ');
}

/** Text in a table cell: as above, and never a line break, which would end the row. */
export function escapeMarkdownCell(text: string): string {
  const escaped = escapeMarkdownText(text).trim();
  return escaped === '' ? ' ' : escaped;
}

/** A fenced code block that no backtick run inside the text can close early. */
export function markdownFence(text: string, language = ''): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text.replace(/\n$/, '')}\n${fence}`;
}

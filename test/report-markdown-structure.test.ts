import assert from 'node:assert/strict';
import { test } from 'node:test';
import { marked } from 'marked';
import type { ResultsFile } from '../runner/core/results-file.js';
import { compareResults } from '../runner/report/compare/compare-results.js';
import { escapeMarkdownCell, escapeMarkdownText, markdownFence } from '../runner/report/markdown-escape.js';
import { renderComparison, renderReport } from '../runner/report/render-report.js';
import { readFixture } from './fixtures/results/load-fixture.js';

/**
 * Labels that GFM would read as structure (issue 17, item 16): a lone \r
 * split a table row in report.md and `compare --format md`, URLs became live
 * links and ~~x~~ strikethrough. Rendered with marked in GFM mode, as a
 * reader's viewer would: the hostile report must have exactly the tables,
 * rows, headings and links of the plain one, and show each label as text.
 */
const INLINE_LABEL =
  'a\rb http://evil.example/x www.evil.example me@evil.example ~~gone~~ ~one~ $x$ <i>h</i> `c` *e* _u_ [l](https://x.example) ![i](y) a|b\u2028z\r\nend';
/** Where a list item or a paragraph starts: a heading, a nested list, an ordered list. */
const LINE_START_LABEL = '1. # - item\rsecond line';

/** A fixture with two of its labels replaced everywhere they occur (runs, groups, expectations, the scenario text). */
function withLabels(results: ResultsFile, labels: Record<string, string>): ResultsFile {
  let json = JSON.stringify(results);
  for (const [from, to] of Object.entries(labels))
    json = json.split(JSON.stringify(from).slice(1, -1)).join(JSON.stringify(to).slice(1, -1));
  return JSON.parse(json) as ResultsFile;
}

/** How many of each structural HTML element marked made, and every link target. */
function structure(md: string): { counts: Record<string, number>; links: string[] } {
  const html = marked.parse(md, { gfm: true, async: false });
  const counts: Record<string, number> = {};
  for (const tag of [
    'table',
    'tr',
    'td',
    'th',
    'h1',
    'h2',
    'h3',
    'ul',
    'ol',
    'li',
    'a',
    'del',
    'em',
    'strong',
    'code',
    'img',
    'i',
    'blockquote',
    'p',
  ]) {
    counts[tag] = (html.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length;
  }
  return { counts, links: Array.from(html.matchAll(/<a [^>]*href="([^"]*)"/g), (m) => m[1]) };
}

/** The label as a reader should see it: each control or line separator a space, ends trimmed. */
function asRead(label: string): string {
  return label.replace(/[\x00-\x1f\u2028\u2029]/g, ' ').trim();
}

/** Every table cell's and list item's text, tags dropped and entities decoded. */
function texts(md: string): string[] {
  const html = marked.parse(md, { gfm: true, async: false });
  return Array.from(html.matchAll(/<(td|li|h1)>([\s\S]*?)<\/\1>/g), (m) =>
    m[2]
      .replace(/<[^>]+>/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&')
      .trim(),
  );
}

test('report.md with labels GFM would read as structure: the same tables, rows and links as with plain labels, the labels as text', async () => {
  const plain = await readFixture('lab-baseline.json');
  const hostile = withLabels(plain, { 'tcp-single': INLINE_LABEL, 'udp-jumbo': LINE_START_LABEL });
  const before = structure((await renderReport(plain, 'md')).main);
  const after = structure((await renderReport(hostile, 'md')).main);
  assert.ok(before.counts.tr > 20, `the plain report has ${before.counts.tr} rows`);
  assert.deepEqual(after.counts, before.counts);
  assert.deepEqual(after.links, before.links);
  assert.deepEqual(new Set(after.links), new Set(['#failed-runs']), 'the report links only to its own section');
  const cells = texts((await renderReport(hostile, 'md')).main);
  assert.ok(cells.includes(asRead(INLINE_LABEL)), 'the label reads back as written, in a cell of its own');
  assert.ok(
    cells.some((c) => c.startsWith(asRead(LINE_START_LABEL))),
    'the line-start label reads back as written',
  );
});

test('compare --format md with the same labels: the same rows, list items and headings, no link, no strikethrough', async () => {
  const plain = await readFixture('lab-baseline.json');
  const fewer = { ...plain, groups: plain.groups.filter((g) => g.label !== 'udp-jumbo') };
  const paths = { base: 'base/results.json', new: 'new/results.json' };
  const hostile = withLabels(plain, { 'tcp-single': INLINE_LABEL, 'udp-jumbo': LINE_START_LABEL });
  const before = structure(await renderComparison(compareResults(plain, fewer, { thresholdPercent: 5, paths }), 'md'));
  const md = await renderComparison(compareResults(hostile, fewer, { thresholdPercent: 5, paths }), 'md');
  const after = structure(md);
  assert.equal(before.counts.li, 1, 'udp-jumbo is only in base');
  assert.deepEqual(after.counts, before.counts);
  assert.deepEqual([after.counts.a, after.counts.del], [0, 0]);
  const items = texts(md);
  // The base label differs from the new one, which the cell adds after it.
  assert.ok(items.includes(`${asRead(INLINE_LABEL)} (new: tcp-single)`), items.join('\n'));
  assert.ok(
    items.some((t) => t.startsWith(`${asRead(LINE_START_LABEL)}: UDP_STREAM`)),
    items.join('\n'),
  );
});

test('the escapes one by one: each GFM structure stays text, in a cell and in a list item', () => {
  const cases = [
    'a\rb',
    'a\r\nb',
    'a\nb',
    'a\u2028b',
    'a\u2029b',
    'a\u0085b',
    'x\ty',
    'www.example.com',
    'xwww.example.com',
    'http://e.example/x',
    'HTTPS://E.EXAMPLE',
    'ftp://e.example',
    'me@e.example',
    '~~s~~',
    '~s~',
    '$m$',
    '# h',
    '- l',
    '+ l',
    '1. l',
    '3) l',
    '=',
    '---',
    '[l](u)',
    '![i](u)',
    '<b>x</b>',
    '`c`',
    '*e*',
    '**s**',
    '_e_',
    'a|b',
    'a\\|b',
    '&amp;',
    '> q',
    '    indented',
  ];
  for (const text of cases) {
    const table = marked.parse(`| h | i |\n| --- | --- |\n| ${escapeMarkdownCell(text)} | z |\n`, { gfm: true, async: false });
    assert.equal((table.match(/<tr>/g) ?? []).length, 2, `${JSON.stringify(text)}: ${table}`);
    const list = marked.parse(`- ${escapeMarkdownText(text)}\n`, { gfm: true, async: false });
    for (const html of [table, list]) {
      assert.doesNotMatch(html.replace(/<\/?(table|thead|tbody|tr|th|td|ul|li)>/g, ''), /<[a-z]/, `${JSON.stringify(text)}: ${html}`);
    }
    assert.deepEqual(texts(`- ${escapeMarkdownText(text)}\n`), [asRead(text).replace(/[\x80-\x9f]/g, ' ')], JSON.stringify(text));
  }
  assert.equal(escapeMarkdownCell(' \r\n '), ' ', 'an empty cell stays a cell');
});

test('a fence around a text of 200,000 backtick runs: longer than the longest, no stack overflow', () => {
  const text = `${'`a'.repeat(200_000)}\`\`\`\`\`\``;
  assert.ok(markdownFence(text).startsWith('```````\n'));
});

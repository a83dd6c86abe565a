import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { marked, type Token, type Tokens } from 'marked';
import { renderReport, writeReport } from '../runner/report/render-report.js';
import { readFixture, tempDir } from './fixtures/results/load-fixture.js';

function tables(md: string): Tokens.Table[] {
  return marked.lexer(md).filter((t): t is Tokens.Table => t.type === 'table');
}

/** A cell as a reader sees it: escapes undone, entities decoded. */
function cellText(cell: Tokens.TableCell): string {
  return inlineText(cell.tokens);
}

function inlineText(tokens: Token[]): string {
  return tokens
    .map((t) => ('tokens' in t && t.tokens && t.type !== 'text' ? inlineText(t.tokens) : 'text' in t ? String(t.text) : ''))
    .join('')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function rows(table: Tokens.Table): string[][] {
  return [table.header.map(cellText), ...table.rows.map((r) => r.map(cellText))];
}

function findTable(md: string, firstHeader: string[]): Tokens.Table[] {
  return tables(md).filter((t) => firstHeader.every((h, i) => cellText(t.header[i]) === h));
}

/** Every token in the tree, inline ones and those inside table cells and list items included. */
function allTokens(tokens: Token[]): Token[] {
  return tokens.flatMap((t) => {
    const children: Token[] = [];
    if ('tokens' in t && Array.isArray(t.tokens)) children.push(...t.tokens);
    if (t.type === 'table') {
      const table = t as Tokens.Table;
      for (const cell of [...table.header, ...table.rows.flat()]) children.push(...cell.tokens);
    }
    if (t.type === 'list') for (const item of (t as Tokens.List).items) children.push(item);
    return [t, ...allTokens(children)];
  });
}

test('the Markdown report is GitHub-flavoured tables with the right headers and figures', async () => {
  const { main } = await renderReport(await readFixture('lab-baseline.json'), 'md');
  const tokens = marked.lexer(main);
  const title = tokens[0] as Tokens.Heading;
  assert.deepEqual([title.type, title.depth, title.text], ['heading', 1, 'Lab link A to B: 25 GbE baseline']);
  const headings = tokens.filter((t): t is Tokens.Heading => t.type === 'heading' && t.depth === 2).map((t) => t.text);
  assert.deepEqual(headings, ['Verdict', 'Summary', 'Sweeps', 'Runs', 'Failed runs', 'Environment', 'Scenario as it ran']);

  const [facts] = findTable(main, ['Item', 'Value']);
  assert.deepEqual(rows(facts)[1], ['Date', '2026-11-24 14:03:12 UTC to 2026-11-24 14:05:32 UTC (2m 21s)']);
  assert.deepEqual(rows(facts)[4], ['Versions', 'bench 0.1.0, Node.js v20.18.1']);

  const [verdict] = findTable(main, ['Result']);
  assert.deepEqual(rows(verdict), [
    ['Result', 'Run', 'Figure', 'Condition', 'Observed (mean)'],
    ['✅ met', 'tcp-single', 'Throughput (throughput_mbps)', '>= 9000 Mbit/s', '14234 Mbit/s'],
    ['❌ not met', 'udp-rate rate=1G', 'Loss (loss_percent)', '<= 1 %', '3.385 %'],
    ['✅ met', 'tcp-rr', 'Latency p99 (latency_us.p99)', '<= 200 µs', '94.77 µs'],
    ['❌ not met', 'udp-jumbo', 'Throughput (throughput_mbps)', '>= 1500 Mbit/s', 'no result'],
  ]);
  assert.deepEqual(verdict.align, [null, null, null, null, 'right']);
  assert.match(main, /\*\*❌ 2 of 4 expectations not met\*\*/);

  const groupTables = findTable(main, ['Figure', 'Unit', 'n', 'Mean', '95% CI', 'Min', 'Max', 'Better']);
  assert.equal(groupTables.length, 6, 'one per group that produced a result with more than one repeat');
  assert.deepEqual(rows(groupTables[0])[1], ['Throughput', 'Mbit/s', '3', '14234', '± 1108', '13811', '14700', 'higher']);
  assert.deepEqual(rows(groupTables[3])[3], ['Loss', '%', '2', '3.385', '± 1.633', '3.256', '3.513', 'lower']);
  // Issue 16: a group of one repeat shows one Value column, not Mean, Min and Max all alike.
  const single = findTable(main, ['Figure', 'Unit', 'Value', 'Better']);
  assert.equal(single.length, 3);
  assert.deepEqual(rows(single[2]), [
    ['Figure', 'Unit', 'Value', 'Better'],
    ['Throughput', 'Mbit/s', '15566', 'higher'],
    ['Sender throughput', 'Mbit/s', '15600', 'higher'],
  ]);

  const [sweep] = findTable(main, ['rate']);
  assert.deepEqual(rows(sweep), [
    // The rate the sender reached beside the rate asked (issue 16).
    ['rate', 'Sender throughput (Mbit/s)', 'Throughput (Mbit/s)', 'Loss (%)', 'Jitter (ms)', 'repeats'],
    ['100M', '100 ± 0', '100 ± 0', '0 ± 0', '0.012 ± 0', '2'],
    ['500M', '500 ± 0', '499.9 ± 0', '0.018 ± 0.006', '0.034 ± 0.006', '2'],
    ['1G', '1000 ± 0', '966.1 ± 15.88', '3.385 ± 1.633', '0.222 ± 0.159', '2'],
  ]);
  const [failed] = findTable(main, ['Run', 'Test', 'Error', 'Message']);
  assert.deepEqual(rows(failed)[1].slice(0, 3), ['18. udp-jumbo', 'UDP_STREAM', 'E_REFUSED']);
  const code = tokens.find((t): t is Tokens.Code => t.type === 'code');
  assert.equal(code?.lang, 'yaml');
  assert.equal(`${code?.text}\n`, (await readFixture('lab-baseline.json')).scenario.text);
});

test('the Markdown charts are SVG files beside it, linked by relative path', async () => {
  const results = await readFixture('lab-baseline.json');
  const { main, files } = await renderReport(results, 'md');
  const images = allTokens(marked.lexer(main)).filter((t): t is Tokens.Image => t.type === 'image');
  // One set of charts per expanded run, its repeats overlaid (issue 16).
  assert.equal(images.length, 18);
  assert.deepEqual(images.map((i) => i.href).sort(), Object.keys(files).sort());
  assert.deepEqual(
    images.filter((i) => i.href.includes('sweep-') || i.href.includes('group-01')).map((i) => [i.href, i.text]),
    [
      ['charts/group-01-throughput.svg', 'tcp-single: throughput over time'],
      ['charts/sweep-01-throughput-mbps.svg', 'tcp-streams: throughput against streams'],
      ['charts/sweep-02-throughput-mbps.svg', 'udp-rate: throughput against offered rate'],
      ['charts/sweep-02-loss-percent.svg', 'udp-rate: loss against offered rate'],
    ],
  );
  for (const [path, svg] of Object.entries(files)) {
    assert.match(path, /^charts\/[a-z0-9-]+\.svg$/);
    assert.ok(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'), path);
    assert.match(svg, /<path class="series" d="M[\d.]+ [\d.]+L/, path);
  }

  const dir = await tempDir('md');
  const written = await writeReport(results, 'md', dir);
  assert.equal(written[0], join(dir, 'report.md'));
  assert.equal(written.length, 19);
  assert.equal(await readFile(join(dir, 'report.md'), 'utf8'), main);
  assert.equal(await readFile(join(dir, 'charts/group-08-latency.svg'), 'utf8'), files['charts/group-08-latency.svg']);
});

test('a hostile scenario renders as text in the Markdown report: no HTML, no broken table', async () => {
  const results = await readFixture('hostile-names.json');
  const { main, files } = await renderReport(results, 'md');
  const tokens = marked.lexer(main);
  assert.deepEqual(
    allTokens(tokens).filter((t) => t.type === 'html'),
    [],
  );
  const heading = tokens[0] as Tokens.Heading;
  assert.equal(inlineText(heading.tokens), '<script>alert(1)</script>');

  const label = 'x|y `tick` <img src=x onerror=alert(2)>';
  const [verdict] = findTable(main, ['Result']);
  assert.deepEqual(rows(verdict)[1], ['✅ met', label, 'Throughput (throughput_mbps)', '>= 1 Mbit/s', '8416 Mbit/s']);
  const [overview] = findTable(main, ['Run', 'Test', 'Peer']);
  assert.deepEqual(
    rows(overview).map((r) => r.length),
    [6, 6, 6, 6, 6],
  );
  assert.deepEqual(rows(overview)[1].slice(0, 3), [label, 'TCP_STREAM', 'evil"peer<svg onload=alert(3)>']);
  assert.equal(rows(overview)[4][0], 'broken | run');
  const [failed] = findTable(main, ['Run', 'Test', 'Error', 'Message']);
  assert.deepEqual(rows(failed)[1], [
    '4. broken | run',
    'UDP_STREAM',
    'E_DATA_PATH',
    'peer said </pre><script>alert(4)</script> | `rm -rf` - check the peer',
  ]);

  // The scenario text holds a ``` run, so its fence is longer and the block ends where the text does.
  const code = tokens.find((t): t is Tokens.Code => t.type === 'code');
  assert.equal(`${code?.text}\n`, results.scenario.text);
  assert.match(main, /^````yaml$/m);

  const html = await marked.parse(main);
  assert.doesNotMatch(html, /<script|<iframe|<svg|<b>|onerror="|<img src="x"/);
  for (const m of html.matchAll(/<img src="([^"]+)"/g)) assert.match(m[1], /^charts\//);
  for (const svg of Object.values(files)) assert.doesNotMatch(svg, /<script|<img|<svg onload/);
});

// Issue 16: an all-failed report read as a neutral one.
test('the Markdown report of a scenario where every run failed says so, with the first error', async () => {
  const results = await readFixture('lab-baseline.json');
  results.expectations = [];
  results.runs = results.runs.map((r) => ({
    ...r,
    status: 'failed' as const,
    error: { code: 'E_CONNECT', message: 'connection refused' },
    summary: null,
    intervals: [],
  }));
  for (const g of results.groups) g.figures = {};
  const { main, files } = await renderReport(results, 'md');
  assert.match(main, /^\*\*❌ No run succeeded: 18 of 18 failed\*\*$/m);
  assert.match(main, /^First error: tcp-single: E\\_CONNECT connection refused$/m);
  const [sweep] = findTable(main, ['rate']);
  assert.deepEqual(
    rows(sweep).map((r) => r[r.length - 1]),
    ['repeats', '0 (2 failed)', '0 (2 failed)', '0 (2 failed)'],
  );
  assert.deepEqual(files, {});
});

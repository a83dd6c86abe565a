import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeReport } from '../../runner/report/render-report.js';
import type { ResultsFile } from '../../runner/core/results-file.js';
import { fixturePath, readFixture, repoRoot, tempDir } from '../fixtures/results/load-fixture.js';
import { DEEP_BUFFER_FILE } from '../fixtures/results/rrul-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const MISSING = `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`;

// One browser and one page for the file: starting either takes seconds.
let browser: Browser | undefined;
let page: Page;
const requests: string[] = [];
const problems: string[] = [];

before(async () => {
  if (!existsSync(CHROMIUM)) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
});

after(async () => {
  await browser?.close();
});

/** Opens a report from file:// at a viewport width, with fresh records of requests and problems. */
async function visit(path: string, width: number): Promise<string> {
  requests.length = 0;
  problems.length = 0;
  await page.setViewportSize({ width, height: 800 });
  const url = pathToFileURL(path).href;
  await page.goto(url, { waitUntil: 'load' });
  return url;
}

test('report.html opens from file:// offline: no request, no error, every chart drawn, no overflow at 375px', async (t) => {
  if (!browser) return t.skip(MISSING);
  const dir = await tempDir('html');
  const [reportPath] = await writeReport(await readFixture('lab-baseline.json'), 'html', dir);

  const url = await visit(reportPath, 1280);
  assert.deepEqual(requests, [url]);
  assert.deepEqual(problems, []);
  const charts = await page.$$eval('svg.chart', (svgs) =>
    svgs.map((svg) => {
      const box = svg.getBoundingClientRect();
      const drawn = [...svg.querySelectorAll('path.series')].filter(
        (p) => (p.getAttribute('d') ?? '').length > 4 && (p as unknown as { getTotalLength(): number }).getTotalLength() > 0,
      );
      return {
        title: svg.getAttribute('aria-label'),
        paths: drawn.length,
        points: svg.querySelectorAll('circle.point').length,
        width: box.width,
        height: box.height,
      };
    }),
  );
  // One set of charts per expanded run, the repeats overlaid (issue 16: 18 runs made 33 charts here).
  assert.equal(charts.length, 18);
  for (const c of charts) {
    assert.ok(c.paths >= 1 && c.points >= 1, `chart '${c.title}' has ${c.paths} drawn paths and ${c.points} points`);
    assert.ok(c.width > 300 && c.height > 150, `chart '${c.title}' is ${c.width}x${c.height}`);
  }
  // Issue 16: 18 runs made a page of 15,700 px and more (17,574 px here before the repeats were overlaid and
  // the Runs section became a table); it is about 11,900 px now, with room for fonts that set wider.
  const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
  assert.ok(height < 13500, `the report is ${height}px tall at 1280px`);
  // A full-page screenshot of this long report takes seconds; the top and the first charts show what a reader sees.
  await mkdir(join(repoRoot, 'test-artifacts'), { recursive: true });
  await page.screenshot({
    path: join(repoRoot, 'test-artifacts/report.png'),
    clip: { x: 0, y: 0, width: 1280, height: 2400 },
    fullPage: true,
  });
  const sweeps = await page.locator('#sweeps').boundingBox();
  assert.ok(sweeps);
  await page.screenshot({
    path: join(repoRoot, 'test-artifacts/report-charts.png'),
    clip: { x: 0, y: sweeps.y, width: 1280, height: 1800 },
    fullPage: true,
  });

  await visit(reportPath, 375);
  // Evaluated in the page, as text: this project compiles without the DOM library.
  const widths = (await page.evaluate(`({
    document: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    viewport: window.innerWidth,
    widestChart: Math.max(...[...document.querySelectorAll('svg.chart, svg.chart-narrow')].map((s) => s.getBoundingClientRect().right)),
  })`)) as { document: number; body: number; viewport: number; widestChart: number };
  assert.equal(widths.viewport, 375);
  assert.ok(widths.body <= 375, `body is ${widths.body}px wide in a 375px viewport`);
  assert.ok(widths.document <= 375, `document is ${widths.document}px wide in a 375px viewport`);
  assert.ok(widths.widestChart <= 375, `a chart reaches ${widths.widestChart}px in a 375px viewport`);
  assert.deepEqual(problems, []);
  const phoneSweeps = await page.locator('#sweeps').boundingBox();
  assert.ok(phoneSweeps);
  await page.screenshot({
    path: join(repoRoot, 'test-artifacts/report-375.png'),
    clip: { x: 0, y: phoneSweeps.y, width: 375, height: 1400 },
    fullPage: true,
  });

  await page.emulateMedia({ media: 'print' });
  try {
    assert.equal(await page.evaluate("getComputedStyle(document.querySelector('nav')).display"), 'none');
  } finally {
    await page.emulateMedia({ media: 'screen' });
  }
});

/** What a phone shows of a report: page width, each chart drawn, each table's box, and words split across lines in tables. */
interface PhoneLayout {
  viewport: number;
  page: number;
  content: number;
  charts: Array<{ title: string; width: number; smallestText: number; smallestTick: number; textOutside: string[] }>;
  tablesOutside: string[];
  splitWords: string[];
}

// Evaluated in the page, as text: this project compiles without the DOM library. A text's size on screen is its
// font-size in the SVG's units times the scale the SVG is drawn at (rotated labels too, hence the hypotenuse).
const PHONE_LAYOUT = `(() => {
  const vw = window.innerWidth;
  const main = document.querySelector('main');
  const pad = getComputedStyle(main);
  const content = main.clientWidth - parseFloat(pad.paddingLeft) - parseFloat(pad.paddingRight);
  const shown = (e) => e.getClientRects().length > 0;
  const charts = [...document.querySelectorAll('svg[data-kind]')].filter(shown).map((svg) => {
    const box = svg.getBoundingClientRect();
    let smallest = Infinity;
    let smallestTick = Infinity;
    const outside = [];
    for (const t of svg.querySelectorAll('text')) {
      const m = t.getScreenCTM();
      const size = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
      smallest = Math.min(smallest, size);
      // The y axes' tick values: right-aligned, in the chart's own font size.
      if (t.getAttribute('text-anchor') === 'end' && !t.hasAttribute('font-size')) smallestTick = Math.min(smallestTick, size);
      const r = t.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1) outside.push(t.textContent);
    }
    return { title: svg.getAttribute('aria-label'), width: box.width, smallestText: Math.round(smallest * 10) / 10, smallestTick: Math.round(smallestTick * 10) / 10, textOutside: outside };
  });
  const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const tablesOutside = [];
  const splitWords = [];
  for (const table of [...document.querySelectorAll('main table')].filter(shown)) {
    let box = table;
    while (box !== main && !scrolls(box)) box = box.parentElement;
    const r = (box === main ? table : box).getBoundingClientRect();
    if (r.left < 0 || r.right > vw) tablesOutside.push(table.querySelector('th, td').textContent);
    // A table reflowed into a block a row has no columns to squeeze: its prose may wrap at a hyphen (--max-rate).
    if (getComputedStyle(table).display !== 'table') continue;
    const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map((q) => Math.round(q.top)));
        if (lines.size > 1) splitWords.push(m[0]);
      }
    }
  }
  return { viewport: vw, page: document.documentElement.scrollWidth, content, charts, tablesOutside, splitWords };
})()`;

async function phoneLayout(reportPath: string): Promise<PhoneLayout> {
  await visit(reportPath, 375);
  return (await page.evaluate(PHONE_LAYOUT)) as PhoneLayout;
}

function assertReadsOnPhone(layout: PhoneLayout, chartCount: number): void {
  assert.equal(layout.viewport, 375);
  assert.ok(layout.page <= 375, `the page is ${layout.page}px wide in a 375px viewport`);
  assert.equal(layout.charts.length, chartCount);
  for (const c of layout.charts) {
    assert.ok(c.width >= 0.9 * layout.content, `chart '${c.title}' is ${c.width}px wide in ${layout.content}px of content`);
    assert.ok(c.smallestTick >= 11, `chart '${c.title}' has tick values of ${c.smallestTick}px`);
    assert.ok(c.smallestText >= 11, `chart '${c.title}' has text of ${c.smallestText}px`);
    assert.deepEqual(c.textOutside, [], `chart '${c.title}' has text beyond its edges`);
  }
  assert.deepEqual(layout.tablesOutside, [], 'tables reaching beyond the viewport outside a scroll box');
  assert.deepEqual(layout.splitWords, [], 'words split across lines in squeezed table columns');
}

function describe(name: string, layout: PhoneLayout): string {
  const widths = [...new Set(layout.charts.map((c) => Math.round(c.width)))].join('/');
  const smallest = (key: 'smallestText' | 'smallestTick'): number => Math.min(...layout.charts.map((c) => c[key]));
  return `${name} at 375px: page ${layout.page}px wide, content ${layout.content}px, charts ${widths}px wide, tick values ${smallest('smallestTick')}px, smallest chart text ${smallest('smallestText')}px, ${layout.splitWords.length} words split in table cells, ${layout.tablesOutside.length} tables beyond the viewport`;
}

// A phone: tables squeezed to a word a line, and charts of 480 units drawn in 343px, their tick values 8.6px high.
test('at 375px a report reads on a phone: no page scroll, charts full width with text of 11px or more, tables whole or scrolling in their own box', async (t) => {
  if (!browser) return t.skip(MISSING);
  const [lab] = await writeReport(await readFixture('lab-baseline.json'), 'html', await tempDir('phone'));
  const labLayout = await phoneLayout(lab);
  const labProblems = [...problems];
  t.diagnostic(describe('lab-baseline', labLayout));
  const rrul = JSON.parse(await readFile(fixturePath(DEEP_BUFFER_FILE), 'utf8')) as ResultsFile;
  const [rrulPath] = await writeReport(rrul, 'html', await tempDir('phone-rrul'));
  const rrulLayout = await phoneLayout(rrulPath);
  t.diagnostic(describe('deep-buffer RRUL', rrulLayout));
  await mkdir(join(repoRoot, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path: join(repoRoot, 'test-artifacts/report-rrul-375.png'), fullPage: true });

  assert.deepEqual(labProblems, []);
  assertReadsOnPhone(labLayout, 18);
  assert.deepEqual(problems, []);
  assertReadsOnPhone(rrulLayout, 2);
});

// A phone: an 8-host matrix, drawn 469 units wide, shrank to 343px and its host names to 8px.
test('at 375px a mesh matrix keeps its own size and scrolls in its figure: host names of 11px, no page scroll', async (t) => {
  if (!browser) return t.skip(MISSING);
  const results = await readFixture('lab-baseline.json');
  const template = results.runs[0];
  const hosts = Array.from({ length: 8 }, (_, i) => ({ host: `10.0.0.${i + 1}`, port: 7575, name: `node-${i + 1}.lab` }));
  results.runs = hosts.flatMap((from, i) =>
    hosts.filter((to) => to !== from).map((to, j) => ({ ...template, id: `mesh-${i}-${j}`, from, to })),
  );
  results.groups = [];
  results.expectations = [];
  const [reportPath] = await writeReport(results, 'html', await tempDir('phone-mesh'));
  await visit(reportPath, 375);
  const shown = (await page.evaluate(`(() => {
    const svg = document.querySelector('svg.matrix');
    let box = svg.parentElement;
    while (box !== document.body && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
    const m = svg.querySelector('text.row-host').getScreenCTM();
    return {
      page: document.documentElement.scrollWidth,
      scrollBoxRight: box === document.body ? null : box.getBoundingClientRect().right,
      hostNames: Math.round(parseFloat(getComputedStyle(svg.querySelector('text.row-host')).fontSize) * Math.hypot(m.a, m.b) * 10) / 10,
    };
  })()`)) as { page: number; scrollBoxRight: number | null; hostNames: number };
  t.diagnostic(`mesh at 375px: page ${shown.page}px wide, host names ${shown.hostNames}px, scroll box to ${shown.scrollBoxRight}px`);
  assert.deepEqual(problems, []);
  assert.ok(shown.page <= 375, `the page is ${shown.page}px wide in a 375px viewport`);
  assert.ok(shown.hostNames >= 11, `host names are ${shown.hostNames}px`);
  assert.ok(shown.scrollBoxRight !== null && shown.scrollBoxRight <= 375, `the matrix's scroll box ends at ${shown.scrollBoxRight}px`);
});

// Issue 16 screenshots: at 1280px a group's eight-column figure table, in an equal grid column, was cut at "Bette".
test("at 1280px every group's figure table shows whole, beside its first chart", async (t) => {
  if (!browser) return t.skip(MISSING);
  const dir = await tempDir('wide');
  const [reportPath] = await writeReport(await readFixture('lab-baseline.json'), 'html', dir);
  await visit(reportPath, 1280);
  const tables = (await page.evaluate(`[...document.querySelectorAll('.group-figures')].map((w) => ({
    cut: w.scrollWidth - w.clientWidth,
    besideChart: w.nextElementSibling !== null && w.nextElementSibling.getBoundingClientRect().top === w.getBoundingClientRect().top,
  }))`)) as Array<{ cut: number; besideChart: boolean }>;
  assert.ok(tables.length > 0);
  assert.deepEqual(
    tables.filter((x) => x.cut > 0 || !x.besideChart),
    [],
  );
});

// Issue 16: an all-failed report showed a grey verdict box.
test('a report where every run failed opens with a red verdict that says so and the first error', async (t) => {
  if (!browser) return t.skip(MISSING);
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
  const dir = await tempDir('failed');
  const [reportPath] = await writeReport(results, 'html', dir);
  await visit(reportPath, 375);
  assert.deepEqual(problems, []);
  assert.equal(await page.textContent('.verdict-headline'), '✗ No run succeeded: 18 of 18 failed');
  assert.equal(await page.textContent('#verdict .error'), 'First error: tcp-single: E_CONNECT connection refused');
  // The box is the failure red (#fdecec), not the neutral grey of "no expectations".
  assert.equal(await page.evaluate("getComputedStyle(document.querySelector('#verdict')).backgroundColor"), 'rgb(253, 236, 236)');
  const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
  assert.ok(width <= 375, `the page is ${width}px wide in a 375px viewport`);
});

test('a hostile scenario runs no script in the browser and shows its name as text', async (t) => {
  if (!browser) return t.skip(MISSING);
  const dir = await tempDir('hostile');
  const [reportPath] = await writeReport(await readFixture('hostile-names.json'), 'html', dir);
  const url = await visit(reportPath, 1024);
  assert.deepEqual(requests, [url]);
  assert.deepEqual(problems, []);
  assert.equal(await page.title(), '<script>alert(1)</script>');
  assert.equal(await page.textContent('h1'), '<script>alert(1)</script>');
  assert.equal(await page.$$eval('script, img, iframe, b', (found) => found.length), 0);
  assert.equal(await page.$$eval('svg:not(.chart):not(.chart-narrow)', (found) => found.length), 0);
});

test('the SVG files beside report.md open on their own as well-formed SVG', async (t) => {
  if (!browser) return t.skip(MISSING);
  const dir = await tempDir('svg');
  const written = await writeReport(await readFixture('hostile-names.json'), 'md', dir);
  const files = written.filter((p) => /sweep-01-loss-percent|group-01-throughput/.test(p));
  assert.equal(files.length, 2);
  for (const file of files) {
    const url = await visit(file, 800);
    assert.deepEqual(requests, [url]);
    assert.deepEqual(problems, []);
    // An XML error would make Chromium show a parsererror page instead of the drawing.
    const shown = (await page.evaluate(
      `({ root: document.documentElement.tagName, errors: document.getElementsByTagName('parsererror').length, paths: document.querySelectorAll('path.series').length, title: document.querySelector('title').textContent })`,
    )) as { root: string; errors: number; paths: number; title: string };
    assert.equal(shown.root, 'svg');
    assert.equal(shown.errors, 0);
    assert.ok(shown.paths >= 1);
    assert.match(
      shown.title,
      /^(<svg onload=alert\(6\)>: loss against offered rate|x\|y `tick` <img src=x onerror=alert\(2\)>: throughput over time)$/,
    );
  }
});

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { ResultsFile } from '../../runner/core/results-file.js';
import { writeReport } from '../../runner/report/render-report.js';
import { fixturePath, repoRoot, tempDir } from '../fixtures/results/load-fixture.js';
import { DEEP_BUFFER_FILE, rrulStreamsSweep } from '../fixtures/results/rrul-fixtures.js';

/** Issue 13's report in a real browser, as test/system/report-browser.test.ts opens the others. */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
];
const MISSING = `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`;

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
});

after(async () => {
  await browser?.close();
});

async function visit(path: string, width: number): Promise<string> {
  requests.length = 0;
  problems.length = 0;
  await page.setViewportSize({ width, height: 800 });
  const url = pathToFileURL(path).href;
  await page.goto(url, { waitUntil: 'load' });
  return url;
}

interface DrawnChart {
  kind: string | null;
  series: Array<{ name: string | null; length: number }>;
  phases: number;
  lost: number;
  width: number;
}

test('the deep-buffer RRUL report opens offline: both charts drawn, every series a visible line, the phases and lost probes shown', async (t) => {
  if (!browser) return t.skip(MISSING);
  const results = JSON.parse(await readFile(fixturePath(DEEP_BUFFER_FILE), 'utf8')) as ResultsFile;
  const [reportPath] = await writeReport(results, 'html', await tempDir('rrul-html'));
  const url = await visit(reportPath, 1280);
  assert.deepEqual(requests, [url]);
  assert.deepEqual(problems, []);
  // Evaluated in the page, as text: this project compiles without the DOM library.
  const charts = (await page.evaluate(`[...document.querySelectorAll('svg.chart')].map((svg) => ({
    kind: svg.getAttribute('data-kind'),
    series: [...svg.querySelectorAll('path.series')].map((p) => ({ name: p.getAttribute('data-series'), length: Math.round(p.getTotalLength()) })),
    phases: svg.querySelectorAll('rect.phase').length,
    lost: [...svg.querySelectorAll('path.lost')].filter((p) => p.getBoundingClientRect().height > 0).length,
    width: svg.getBoundingClientRect().width,
  }))`)) as DrawnChart[];
  assert.deepEqual(
    charts.map((c) => [c.kind, c.series.map((s) => s.name), c.phases]),
    [
      ['rrul', ['upload', 'download', 'round trip'], 6],
      ['cdf', ['idle: p50 0.101 ms', 'loaded: p50 195.3 ms'], 0],
    ],
  );
  for (const c of charts) {
    for (const s of c.series) assert.ok(s.length > 100, `${c.kind} series ${s.name} is ${s.length} px long`);
    assert.ok(c.width > 300, `${c.kind} chart is ${c.width} px wide`);
  }
  assert.ok(charts[0].lost >= 1);
  assert.equal(await page.textContent('#rrul h3'), '1. deep-buffer');

  await mkdir(join(repoRoot, 'test-artifacts'), { recursive: true });
  const figure = page.locator('svg.chart[data-kind="rrul"]');
  await figure.screenshot({ path: join(repoRoot, 'test-artifacts/rrul-chart.png') });

  await visit(reportPath, 375);
  const widths = (await page.evaluate(
    `({ document: document.documentElement.scrollWidth, widestChart: Math.max(...[...document.querySelectorAll('svg.chart, svg.chart-narrow')].map((s) => s.getBoundingClientRect().right)) })`,
  )) as { document: number; widestChart: number };
  assert.ok(widths.document <= 375, `document is ${widths.document}px wide in a 375px viewport`);
  assert.ok(widths.widestChart <= 375, `a chart reaches ${widths.widestChart}px in a 375px viewport`);
  assert.deepEqual(problems, []);
});

test('a 12-run RRUL sweep opens with its 18 charts drawn', async (t) => {
  if (!browser) return t.skip(MISSING);
  const [reportPath] = await writeReport(rrulStreamsSweep(), 'html', await tempDir('rrul-sweep'));
  const url = await visit(reportPath, 1280);
  assert.deepEqual(requests, [url]);
  assert.deepEqual(problems, []);
  const kinds = (await page.evaluate(
    `[...document.querySelectorAll('svg.chart')].map((svg) => svg.getAttribute('data-kind'))`,
  )) as string[];
  const counts = new Map<string, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  assert.deepEqual([...counts].sort(), [
    ['cdf', 4],
    ['rrul', 12],
    ['sweep', 2],
  ]);
  const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
  t.diagnostic(`the 12-run RRUL sweep's report is ${height}px tall at 1280px`);
});

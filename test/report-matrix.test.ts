import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrixChart, type MatrixCell } from '../runner/report/charts/matrix-chart.js';

function cellsOf(svg: string): Array<{ from: string; to: string; value: number | null; fill: string; text: string }> {
  return [
    ...svg.matchAll(
      /<g class="cell" data-from="([^"]*)" data-to="([^"]*)"(?: data-failed="true"| data-value="([^"]*)")><title>[^<]*<\/title><rect[^>]* fill="([^"]+)"[^>]*\/><text[^>]*>([^<]*)<\/text><\/g>/g,
    ),
  ].map((m) => ({ from: m[1], to: m[2], value: m[3] === undefined ? null : Number(m[3]), fill: m[4], text: m[5] }));
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const hosts = ['a', 'b', 'slow'];
const cells: MatrixCell[] = [
  { from: 'a', to: 'b', value: 940 },
  { from: 'b', to: 'a', value: 930 },
  { from: 'a', to: 'slow', value: 95 },
  { from: 'slow', to: 'a', value: 94 },
  { from: 'b', to: 'slow', value: null },
];

test('each pair is a cell with its value, failed pairs say so, worse values are darker', () => {
  const svg = matrixChart({ title: 'TCP_STREAM throughput', hosts, cells, unit: 'Mbit/s', better: 'higher', format: (v) => String(v) });
  const drawn = cellsOf(svg);
  assert.deepEqual(
    drawn.map(({ from, to, value, text }) => ({ from, to, value, text })),
    cells.map((c) => ({ ...c, text: c.value === null ? 'failed' : String(c.value) })),
  );
  const fill = new Map(drawn.map((c) => [`${c.from}>${c.to}`, c.fill]));
  assert.equal(fill.get('b>slow'), 'url(#failed-hatch)');
  assert.ok(luminance(fill.get('slow>a')!) < luminance(fill.get('a>b')!), 'the slowest pair is darker than the fastest');
  assert.match(svg, /worst 94 Mbit\/s/);
  assert.match(svg, /best 940 Mbit\/s/);
});

test('lower-is-better figures put the dark end at the high values', () => {
  const svg = matrixChart({ title: 'p99', hosts, cells, unit: 'µs', better: 'lower', format: (v) => String(v) });
  const fill = new Map(cellsOf(svg).map((c) => [`${c.from}>${c.to}`, c.fill]));
  assert.ok(luminance(fill.get('a>b')!) < luminance(fill.get('slow>a')!));
  assert.match(svg, /worst 940 µs/);
});

test('host names from peers are escaped', () => {
  const svg = matrixChart({
    title: 't',
    hosts: ['<x>', 'y"'],
    cells: [{ from: '<x>', to: 'y"', value: 1 }],
    unit: '',
    better: 'higher',
    format: String,
  });
  assert.doesNotMatch(svg, /<x>/);
  assert.match(svg, /data-from="&lt;x&gt;" data-to="y&quot;"/);
});

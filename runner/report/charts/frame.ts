import { categoryPositions, type Scale } from './scale.js';
import { element, escapeXml, textElement } from './svg.js';

/**
 * What every chart shares: the SVG root (viewBox, so it scales to any width),
 * a white background (the SVG files beside report.md are read on dark pages
 * too), the title, a legend, grid, axes with tick values and labelled units.
 * Charts draw their marks inside the plot area this returns.
 */
export const CHART_WIDTH = 480;
const BASE_HEIGHT = 280;
const LEFT = 60;
const RIGHT = 16;
const BOTTOM = 46;
const LEGEND_ROW = 16;
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
/** Longest title that fits the width at the title's font size. */
const TITLE_CHARS = 54;

/** Okabe-Ito colours: told apart by readers with colour-vision deficiencies, and in greyscale print by their order. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#7A5195', '#999999'];
export const TOTAL_COLOR = '#1f2937';

export interface LegendItem {
  name: string;
  color: string;
  dashed?: boolean;
}

export type XAxis = { kind: 'scale'; scale: Scale; label: string } | { kind: 'categories'; categories: string[]; label: string };

export interface FrameSpec {
  kind: 'line' | 'percentile' | 'sweep';
  title: string;
  x: XAxis;
  y: { scale: Scale; label: string };
  legend: LegendItem[];
}

export interface Frame {
  /** SVG root, background, title, legend, grid and axes: the marks follow, then `</svg>`. */
  start: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** Data to SVG coordinates; for a category axis, x takes the category index. */
  x(value: number): number;
  y(value: number): number;
}

export function chartFrame(spec: FrameSpec): Frame {
  const legendRows = layoutLegend(spec.legend);
  const rowCount = legendRows.length;
  const height = BASE_HEIGHT + Math.max(0, rowCount - 1) * LEGEND_ROW;
  const top = rowCount > 0 ? 38 + rowCount * LEGEND_ROW : 36;
  const left = LEFT;
  const right = CHART_WIDTH - RIGHT;
  const bottom = height - BOTTOM;
  const yScale = spec.y.scale;
  const y = (v: number): number => bottom - yScale.fraction(v) * (bottom - top);
  const xFraction = spec.x.kind === 'scale' ? spec.x.scale.fraction : categoryPositions(spec.x.categories.length);
  // Categories sit inside the axis, not on its ends, so their markers stay clear of the frame.
  const inset = spec.x.kind === 'categories' ? 24 : 0;
  const x = (v: number): number => left + inset + xFraction(v) * (right - left - 2 * inset);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-kind="${spec.kind}" viewBox="0 0 ${CHART_WIDTH} ${height}" ` +
      `width="${CHART_WIDTH}" height="${height}" role="img" aria-label="${escapeXml(spec.title)}" ` +
      `font-family="${escapeXml(FONT)}" font-size="12" fill="#222">`,
  );
  parts.push(`<title>${escapeXml(spec.title)}</title>`);
  parts.push(element('rect', { x: 0, y: 0, width: CHART_WIDTH, height, fill: '#ffffff' }));
  parts.push(textElement(truncate(spec.title, TITLE_CHARS), { x: 12, y: 21, 'font-size': 15, 'font-weight': 600 }));
  legendRows.forEach((row, r) => {
    for (const item of row) {
      const ly = 38 + r * LEGEND_ROW;
      parts.push(
        element('line', {
          x1: item.x, y1: ly - 4, x2: item.x + 16, y2: ly - 4, stroke: item.color, 'stroke-width': 3,
          'stroke-dasharray': item.dashed ? '5 3' : undefined,
        }),
      );
      parts.push(textElement(item.label, { x: item.x + 21, y: ly }));
    }
  });

  for (const tick of yScale.ticks) {
    const ty = y(tick);
    parts.push(element('line', { x1: left, y1: ty, x2: right, y2: ty, stroke: '#e5e7eb', 'stroke-width': 1 }));
    parts.push(textElement(yScale.format(tick), { x: left - 6, y: ty + 4, 'text-anchor': 'end' }));
  }
  if (spec.x.kind === 'scale') {
    for (const tick of spec.x.scale.ticks) {
      const tx = x(tick);
      parts.push(element('line', { x1: tx, y1: bottom, x2: tx, y2: bottom + 4, stroke: '#6b7280' }));
      parts.push(textElement(spec.x.scale.format(tick), { x: tx, y: bottom + 17, 'text-anchor': 'middle' }));
    }
  } else {
    spec.x.categories.forEach((category, i) => {
      const tx = x(i);
      parts.push(element('line', { x1: tx, y1: bottom, x2: tx, y2: bottom + 4, stroke: '#6b7280' }));
      parts.push(textElement(truncate(category, 14), { x: tx, y: bottom + 17, 'text-anchor': 'middle' }));
    });
  }
  parts.push(element('line', { x1: left, y1: bottom, x2: right, y2: bottom, stroke: '#6b7280' }));
  parts.push(element('line', { x1: left, y1: top, x2: left, y2: bottom, stroke: '#6b7280' }));
  parts.push(textElement(spec.x.label, { x: (left + right) / 2, y: height - 10, 'text-anchor': 'middle', 'font-size': 13 }));
  const yMid = (top + bottom) / 2;
  parts.push(
    textElement(spec.y.label, { x: 15, y: yMid, 'text-anchor': 'middle', 'font-size': 13, transform: `rotate(-90 15 ${yMid})` }),
  );
  return { start: parts.join(''), left, right, top, bottom, x, y };
}

interface PlacedLegendItem extends LegendItem {
  x: number;
  label: string;
}

/** Legend items left to right, wrapping onto new rows; a single series needs no legend. */
function layoutLegend(items: LegendItem[]): PlacedLegendItem[][] {
  if (items.length < 2) return [];
  const rows: PlacedLegendItem[][] = [[]];
  let x = 12;
  for (const item of items) {
    const label = truncate(item.name, 28);
    // About 6.6 px per character at font-size 12, plus the swatch and a gap.
    const width = 21 + label.length * 6.6 + 14;
    if (x + width > CHART_WIDTH - RIGHT && rows[rows.length - 1].length > 0) {
      rows.push([]);
      x = 12;
    }
    rows[rows.length - 1].push({ ...item, x, label });
    x += width;
  }
  return rows;
}

export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

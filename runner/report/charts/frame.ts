import { categoryPositions, type Scale } from './scale.js';
import { coord, element, escapeXml, textElement, type Attributes } from './svg.js';

/**
 * What every chart shares: the SVG root (viewBox, so it scales to any width),
 * a white background (the SVG files beside report.md are read on dark pages
 * too), the title, a legend, grid, axes with tick values and labelled units.
 * Charts draw their marks inside the plot area this returns.
 */
const BASE_HEIGHT = 280;
const LEFT = 60;
const RIGHT = 16;
const BOTTOM = 46;
export const LEGEND_ROW = 16;
export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
export const TITLE_LINE = 18;
export const CAPTION_LINE = 15;

/**
 * The width a chart is laid out for. The HTML report holds each chart twice and shows one by the
 * screen's width: the wide one drawn in a phone's 343 px would shrink its 12-unit text to 8.5 px,
 * where the narrow one, drawn near 1:1, keeps it at 12 px (its legend and title wrapped to fit).
 */
export interface ChartSize {
  width: number;
  /** The SVG root's class, which the report's stylesheet shows or hides by the screen's width. */
  className: 'chart' | 'chart-narrow';
  /** Longest title line that fits the width at the title's bold 15 px (about 9 px a character with digits and "="). */
  titleChars: number;
  /** Longest caption line at 11 px (about 5.8 px a character). */
  captionChars: number;
}

export const WIDE: ChartSize = { width: 480, className: 'chart', titleChars: 48, captionChars: 78 };
export const NARROW: ChartSize = { width: 330, className: 'chart-narrow', titleChars: 32, captionChars: 52 };

/** Okabe-Ito colours: told apart by readers with colour-vision deficiencies, and in greyscale print by their order. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#7A5195', '#999999'];
export const TOTAL_COLOR = '#1f2937';

export interface LegendItem {
  name: string;
  color: string;
  dashed?: boolean;
  /** A stroke-dasharray of its own, so series that coincide stay told apart (overrides `dashed`). */
  dash?: string;
  /** The series' marker, drawn on the legend swatch. */
  marker?: MarkerShape;
}

/** Marker shapes, one per series, so series drawn on top of each other stay visible (issue 16). */
export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross';
export const MARKER_SHAPES: MarkerShape[] = ['circle', 'square', 'triangle', 'diamond', 'cross'];
/** Line dashes in the same order: solid first. */
export const DASHES: Array<string | undefined> = [undefined, '7 4', '2 3', '9 3 2 3', '4 4'];

/**
 * A marker centred on (cx, cy). The first shape is filled; the others are
 * hollow and larger, so a filled circle under them still shows through.
 */
export function marker(shape: MarkerShape, cx: number, cy: number, color: string, extra: Attributes = {}, children = ''): string {
  const common = { ...extra, 'data-x': cx, 'data-y': cy };
  const hollow = { fill: 'none', stroke: color, 'stroke-width': 1.6 };
  switch (shape) {
    case 'circle':
      return element('circle', { ...common, cx, cy, r: 4, fill: color }, children);
    case 'square':
      return element('path', { ...common, d: `M${coord(cx - 5)} ${coord(cy - 5)}h10v10h-10Z`, ...hollow }, children);
    case 'triangle':
      return element(
        'path',
        { ...common, d: `M${coord(cx)} ${coord(cy - 7)}L${coord(cx + 6.5)} ${coord(cy + 4.5)}H${coord(cx - 6.5)}Z`, ...hollow },
        children,
      );
    case 'diamond':
      return element(
        'path',
        {
          ...common,
          d: `M${coord(cx)} ${coord(cy - 7)}L${coord(cx + 7)} ${coord(cy)}L${coord(cx)} ${coord(cy + 7)}L${coord(cx - 7)} ${coord(cy)}Z`,
          ...hollow,
        },
        children,
      );
    case 'cross':
      return element(
        'path',
        { ...common, d: `M${coord(cx - 5)} ${coord(cy - 5)}l10 10M${coord(cx - 5)} ${coord(cy + 5)}l10 -10`, ...hollow, 'stroke-width': 2 },
        children,
      );
  }
}

export type XAxis = { kind: 'scale'; scale: Scale; label: string } | { kind: 'categories'; categories: string[]; label: string };

export interface FrameSpec {
  kind: 'line' | 'percentile' | 'sweep' | 'cdf';
  title: string;
  x: XAxis;
  y: { scale: Scale; label: string };
  legend: LegendItem[];
  /** A short grey line under the title, such as what the whiskers show. */
  caption?: string;
  size: ChartSize;
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
  const { size } = spec;
  const width = size.width;
  const legendRows = layoutLegend(spec.legend, size);
  const rowCount = legendRows.length;
  const title = titleLines(spec.title, size.titleChars);
  const caption = spec.caption ? captionLines(spec.caption, size) : [];
  // Below the title: a second title line and the caption, when there are, push the legend and the plot down.
  const headExtra = (title.length - 1) * TITLE_LINE + caption.length * CAPTION_LINE;
  const height = BASE_HEIGHT + Math.max(0, rowCount - 1) * LEGEND_ROW + headExtra;
  const top = (rowCount > 0 ? 38 + rowCount * LEGEND_ROW : 36) + headExtra;
  const left = LEFT;
  const right = width - RIGHT;
  const bottom = height - BOTTOM;
  const yScale = spec.y.scale;
  const y = (v: number): number => bottom - yScale.fraction(v) * (bottom - top);
  const xFraction = spec.x.kind === 'scale' ? spec.x.scale.fraction : categoryPositions(spec.x.categories.length);
  // Categories sit inside the axis, not on its ends, so their markers stay clear of the frame.
  const inset = spec.x.kind === 'categories' ? 24 : 0;
  const x = (v: number): number => left + inset + xFraction(v) * (right - left - 2 * inset);

  const parts = chartOpening(spec.kind, spec.title, size, width, height, title, caption);
  parts.push(legendMarkup(legendRows, 38 + headExtra));

  for (const tick of yScale.ticks) {
    const ty = y(tick);
    parts.push(element('line', { x1: left, y1: ty, x2: right, y2: ty, stroke: '#e5e7eb', 'stroke-width': 1 }));
    parts.push(textElement(yScale.format(tick), { x: left - 6, y: ty + 4, 'text-anchor': 'end' }));
  }
  if (spec.x.kind === 'scale') {
    const labelled = spacedTicks(spec.x.scale, x);
    for (const tick of spec.x.scale.ticks) {
      const tx = x(tick);
      parts.push(element('line', { x1: tx, y1: bottom, x2: tx, y2: bottom + 4, stroke: '#6b7280' }));
      if (labelled.has(tick)) parts.push(textElement(spec.x.scale.format(tick), { x: tx, y: bottom + 17, 'text-anchor': 'middle' }));
    }
  } else {
    // At most 14 characters, fewer where the categories stand closer than that (about 7 px a character).
    const spacing = (right - left - 2 * inset) / Math.max(1, spec.x.categories.length - 1);
    const chars = Math.max(3, Math.min(14, Math.floor(spacing / 7)));
    spec.x.categories.forEach((category, i) => {
      const tx = x(i);
      parts.push(element('line', { x1: tx, y1: bottom, x2: tx, y2: bottom + 4, stroke: '#6b7280' }));
      parts.push(textElement(truncate(category, chars), { x: tx, y: bottom + 17, 'text-anchor': 'middle' }));
    });
  }
  parts.push(element('line', { x1: left, y1: bottom, x2: right, y2: bottom, stroke: '#6b7280' }));
  parts.push(element('line', { x1: left, y1: top, x2: left, y2: bottom, stroke: '#6b7280' }));
  parts.push(textElement(spec.x.label, { x: (left + right) / 2, y: height - 10, 'text-anchor': 'middle', 'font-size': 13 }));
  const yMid = (top + bottom) / 2;
  parts.push(textElement(spec.y.label, { x: 15, y: yMid, 'text-anchor': 'middle', 'font-size': 13, transform: `rotate(-90 15 ${yMid})` }));
  return { start: parts.join(''), left, right, top, bottom, x, y };
}

/**
 * The x ticks whose values can be written without touching the one written before (about 7.2 px a
 * character at 12 px): a log axis's 0.05 and 0.1 stand 15 px apart on a phone's chart. The last tick
 * is always written, the one before it dropped if they would touch.
 */
/** The opening of every chart's SVG: the root element, its accessible title, the white ground, the title lines and the caption. */
export function chartOpening(
  kind: string,
  label: string,
  size: ChartSize,
  width: number,
  height: number,
  title: string[],
  caption: string[],
): string[] {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="${size.className}" data-kind="${kind}" viewBox="0 0 ${width} ${height}" ` +
      `width="${width}" height="${height}" role="img" aria-label="${escapeXml(label)}" ` +
      `font-family="${escapeXml(FONT)}" font-size="12" fill="#222">`,
    `<title>${escapeXml(label)}</title>`,
    element('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }),
  ];
  title.forEach((line, i) => {
    parts.push(textElement(line, { class: 'chart-title', x: 12, y: 21 + i * TITLE_LINE, 'font-size': 15, 'font-weight': 600 }));
  });
  parts.push(captionMarkup(caption, 21 + (title.length - 1) * TITLE_LINE));
  return parts;
}

export function spacedTicks(scale: Scale, x: (value: number) => number): Set<number> {
  const half = (tick: number): number => (Array.from(scale.format(tick)).length * 7.2) / 2;
  const kept: number[] = [];
  const ticks = scale.ticks;
  ticks.forEach((tick, i) => {
    const last = kept[kept.length - 1];
    const touches = (a: number, b: number): boolean => x(b) - half(b) < x(a) + half(a) + 4;
    if (last === undefined || !touches(last, tick)) kept.push(tick);
    else if (i === ticks.length - 1) {
      kept.pop();
      kept.push(tick);
    }
  });
  return new Set(kept);
}

/** A caption too long for the width wraps at spaces, as the title does (issue 16), onto two lines at most. */
export function captionLines(caption: string, size: ChartSize): string[] {
  const lines = wrapWords(caption, size.captionChars);
  return lines.length <= 2 ? lines : [lines[0], shortenWords(lines.slice(1).join(' '), size.captionChars)];
}

/** The caption's lines under the title, whose last line has its baseline at `titleBottom`. */
export function captionMarkup(lines: string[], titleBottom: number): string {
  return lines
    .map((line, i) =>
      textElement(line, { class: 'chart-caption', x: 12, y: titleBottom + (i + 1) * CAPTION_LINE, 'font-size': 11, fill: '#4b5563' }),
    )
    .join('');
}

/** The legend's rows drawn from `top` down (the first row's text baseline), one row every LEGEND_ROW px. */
export function legendMarkup(rows: PlacedLegendItem[][], top: number): string {
  const parts: string[] = [];
  rows.forEach((row, r) => {
    for (const item of row) {
      const ly = top + r * LEGEND_ROW;
      parts.push(
        element('line', {
          x1: item.x,
          y1: ly - 4,
          x2: item.x + 16,
          y2: ly - 4,
          stroke: item.color,
          'stroke-width': item.marker ? 2 : 3,
          'stroke-dasharray': item.dash ?? (item.dashed ? '5 3' : undefined),
        }),
      );
      if (item.marker) parts.push(marker(item.marker, item.x + 8, ly - 4, item.color, { class: 'legend-marker' }));
      parts.push(textElement(item.label, { x: item.x + 21, y: ly }));
    }
  });
  return parts.join('');
}

export interface PlacedLegendItem extends LegendItem {
  x: number;
  label: string;
}

/** Legend items left to right, wrapping onto new rows; a single series needs no legend. */
export function layoutLegend(items: LegendItem[], size: ChartSize): PlacedLegendItem[][] {
  if (items.length < 2) return [];
  const rows: PlacedLegendItem[][] = [[]];
  let x = 12;
  for (const item of items) {
    const label = truncate(item.name, 28);
    // About 6.6 px per character at font-size 12, plus the swatch and a gap.
    const width = 21 + label.length * 6.6 + 14;
    if (x + width > size.width - RIGHT && rows[rows.length - 1].length > 0) {
      rows.push([]);
      x = 12;
    }
    rows[rows.length - 1].push({ ...item, x, label });
    x += width;
  }
  return rows;
}

/**
 * The title on one line, else wrapped at spaces onto two (issue 16: titles were cut mid-word,
 * "...: throughput over tim"). When two lines are not enough, the part before the first ': '
 * (the run's label) is shortened and what the chart shows is kept whole. Only a single word longer
 * than a line is ever broken.
 */
export function titleLines(title: string, max: number): string[] {
  const lines = wrapWords(title, max);
  if (lines.length <= 2) return lines;
  const colon = title.indexOf(': ');
  if (colon > 0) {
    const what = title.slice(colon + 2);
    const room = 2 * max - Array.from(what).length - 3;
    if (room >= 4) {
      const shortened = wrapWords(`${shortenWords(title.slice(0, colon), room)}: ${what}`, max);
      if (shortened.length <= 2) return shortened;
    }
  }
  const kept = wrapWords(title, max);
  return [kept[0], shortenWords(kept.slice(1).join(' '), max)];
}

function wrapWords(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (Array.from(candidate).length <= max) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    // A word longer than a whole line has to be broken somewhere.
    let rest = Array.from(word);
    while (rest.length > max) {
      lines.push(rest.slice(0, max).join(''));
      rest = rest.slice(max);
    }
    line = rest.join('');
  }
  if (line !== '') lines.push(line);
  return lines.length > 0 ? lines : [''];
}

/** At most `max` characters, cut back to the last whole word with an ellipsis (mid-word only when there is a single word). */
function shortenWords(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const head = chars.slice(0, max - 1).join('');
  const space = head.lastIndexOf(' ');
  return `${space > 0 ? head.slice(0, space) : head}…`;
}

export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

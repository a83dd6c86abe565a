import { coord, element, escapeXml, textElement } from './svg.js';

/**
 * A mesh's headline figure as a matrix: one row per sending host (`from`),
 * one column per receiving host (`to`), each cell coloured on a sequential
 * scale from worst (dark orange) to best (light blue-green) and labelled with
 * its value; failed pairs are hatched grey and say "failed", pairs not run
 * stay empty. The legend gives the scale's ends. Cells are at least 28 px, so
 * a 32-host mesh is a 32 x 32 grid about 1,000 px wide, drawn from about
 * 1,100 elements: fast to render, and the numbers stay readable when zoomed.
 */
export interface MatrixCell {
  from: string;
  to: string;
  /** The figure, or null where the run failed. */
  value: number | null;
}

export interface MatrixSpec {
  title: string;
  /** Row and column order. */
  hosts: readonly string[];
  cells: readonly MatrixCell[];
  unit: string;
  better: 'higher' | 'lower';
  format: (value: number) => string;
}

const CELL = 44;
const MIN_CELL = 28;
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
/** Worst to best: a sequential scale readable with colour-vision deficiencies (from ColorBrewer's OrRd/GnBu ends). */
const WORST: [number, number, number] = [0xb3, 0x3f, 0x00];
const MIDDLE: [number, number, number] = [0xfd, 0xd4, 0x9e];
const BEST: [number, number, number] = [0xe0, 0xf3, 0xdb];

export function matrixChart(spec: MatrixSpec): string {
  const n = spec.hosts.length;
  const cell = n > 16 ? MIN_CELL : CELL;
  const longest = Math.max(4, ...spec.hosts.map((h) => Math.min(h.length, 24)));
  const labelWidth = longest * 6.5 + 12;
  const top = 56 + labelWidth;
  const left = labelWidth + 24;
  const width = left + n * cell + 16;
  const height = top + n * cell + 56;
  const index = new Map(spec.hosts.map((h, i) => [h, i]));

  const values = spec.cells.map((c) => c.value).filter((v): v is number => v !== null && Number.isFinite(v));
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const goodness = (v: number): number => {
    if (!(hi > lo)) return 1;
    const t = (v - lo) / (hi - lo);
    return spec.better === 'higher' ? t : 1 - t;
  };

  const parts: string[] = [
    // Its width in units, as px: on a phone the matrix keeps it and scrolls in its figure rather than shrink its names to 6 px.
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${coord(width)} ${coord(height)}" role="img" aria-label="${escapeXml(spec.title)}" font-family="${escapeXml(FONT)}" class="matrix" style="--natural-width: ${coord(width)}px">`,
    element('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }),
    '<defs><pattern id="failed-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#e5e7eb"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9ca3af" stroke-width="2"/></pattern></defs>',
    textElement(clip(spec.title, Math.floor(width / 8)), { x: 12, y: 22, 'font-size': 15, 'font-weight': 600, fill: '#111827' }),
    textElement('from \u2193  to \u2192', { x: 12, y: top - 8, 'font-size': 11, fill: '#4b5563' }),
  ];

  spec.hosts.forEach((host, i) => {
    const name = clip(host, 24);
    parts.push(
      textElement(name, {
        x: left - 6,
        y: top + i * cell + cell / 2 + 4,
        'font-size': 11,
        'text-anchor': 'end',
        fill: '#111827',
        class: 'row-host',
      }),
    );
    const cx = left + i * cell + cell / 2;
    parts.push(
      textElement(name, {
        x: cx,
        y: top - 6,
        'font-size': 11,
        fill: '#111827',
        transform: `rotate(-60 ${coord(cx)} ${coord(top - 6)})`,
        class: 'column-host',
      }),
    );
  });

  for (const c of spec.cells) {
    const row = index.get(c.from);
    const column = index.get(c.to);
    if (row === undefined || column === undefined) continue;
    const x = left + column * cell;
    const y = top + row * cell;
    const title = `${c.from} \u2192 ${c.to}: ${c.value === null ? 'failed' : `${spec.format(c.value)} ${spec.unit}`}`;
    const fill = c.value === null ? 'url(#failed-hatch)' : colourAt(goodness(c.value));
    const dark = c.value !== null && goodness(c.value) < 0.35;
    parts.push(
      `<g class="cell" data-from="${escapeXml(c.from)}" data-to="${escapeXml(c.to)}"${c.value === null ? ' data-failed="true"' : ` data-value="${c.value}"`}>`,
      `<title>${escapeXml(title)}</title>`,
      element('rect', { x: x + 1, y: y + 1, width: cell - 2, height: cell - 2, fill, rx: 2 }),
      textElement(c.value === null ? 'failed' : spec.format(c.value), {
        x: x + cell / 2,
        y: y + cell / 2 + 4,
        'font-size': cell < CELL ? 8 : 10,
        'text-anchor': 'middle',
        fill: dark ? '#ffffff' : '#111827',
      }),
      '</g>',
    );
  }
  for (let i = 0; i < n; i++) {
    // The diagonal (a host to itself) is never run: mark it so it does not read as missing data.
    parts.push(element('rect', { x: left + i * cell + 1, y: top + i * cell + 1, width: cell - 2, height: cell - 2, fill: '#f3f4f6' }));
  }

  if (values.length > 0) {
    const legendY = top + n * cell + 20;
    const legendWidth = Math.min(240, n * cell);
    parts.push('<defs><linearGradient id="matrix-scale">');
    for (const t of [0, 0.5, 1]) parts.push(`<stop offset="${t}" stop-color="${colourAt(t)}"/>`);
    parts.push('</linearGradient></defs>');
    parts.push(element('rect', { x: left, y: legendY, width: legendWidth, height: 10, fill: 'url(#matrix-scale)', class: 'legend' }));
    const worst = spec.better === 'higher' ? lo : hi;
    const best = spec.better === 'higher' ? hi : lo;
    parts.push(
      textElement(`worst ${spec.format(worst)} ${spec.unit}`, {
        x: left,
        y: legendY + 24,
        'font-size': 11,
        fill: '#374151',
        class: 'legend-worst',
      }),
    );
    parts.push(
      textElement(`best ${spec.format(best)} ${spec.unit}`, {
        x: left + legendWidth,
        y: legendY + 24,
        'font-size': 11,
        'text-anchor': 'end',
        fill: '#374151',
        class: 'legend-best',
      }),
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

function colourAt(t: number): string {
  const [a, b, u] = t < 0.5 ? [WORST, MIDDLE, t / 0.5] : [MIDDLE, BEST, (t - 0.5) / 0.5];
  const mix = a.map((ch, i) => Math.round(ch + (b[i] - ch) * u));
  return `#${mix.map((ch) => ch.toString(16).padStart(2, '0')).join('')}`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}\u2026`;
}

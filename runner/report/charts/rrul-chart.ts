import { formatNumber } from '../../core/figure-catalog.js';
import {
  CAPTION_LINE,
  type ChartSize,
  captionLines,
  chartOpening,
  LEGEND_ROW,
  type LegendItem,
  layoutLegend,
  legendMarkup,
  PALETTE,
  spacedTicks,
  TITLE_LINE,
  TOTAL_COLOR,
  titleLines,
  WIDE,
} from './frame.js';
import { linearScale, maxOf, type Scale } from './scale.js';
import { coord, element, escapeXml, textElement } from './svg.js';

/**
 * flent's RRUL plot: throughput (top panel) and every probe's round trip (bottom panel) over one
 * time axis, the idle, load and drain phases shaded across both, lost probes marked along the top
 * of the round-trip panel. Two panels rather than two y axes on one: Mbit/s and ms then never cross
 * each other's lines, and each keeps its own grid.
 */
export interface RrulPhaseSpan {
  name: string;
  start_s: number;
  end_s: number;
  /** The phase's median round trip in ms, written in its band; null when no probe came back. */
  p50_ms: number | null;
}

export interface RrulThroughputSeries {
  name: string;
  color: string;
  /** Upload and download often run at the same rate: one of them dashed keeps both in sight. */
  dash?: string;
  points: Array<{ x: number; y: number }>;
}

export interface RrulChartSpec {
  title: string;
  phases: RrulPhaseSpan[];
  probeIntervalS: number;
  /** Round trip of probe k in µs, sent at k * probeIntervalS; null: lost. */
  rttUs: ReadonlyArray<number | null>;
  throughput: RrulThroughputSeries[];
  /** The time axis's end, in seconds (at least the last phase's end). */
  xMax: number;
}

export const UPLOAD_COLOR = PALETTE[0];
export const DOWNLOAD_COLOR = PALETTE[2];
const RTT_COLOR = TOTAL_COLOR;
const LOST_COLOR = PALETTE[1];

/** Fills told apart in greyscale too: grey for the two idle phases, amber for the load. */
const PHASE_FILL: Record<string, { fill: string; opacity: number }> = {
  idle: { fill: '#6b7280', opacity: 0.1 },
  load: { fill: '#E69F00', opacity: 0.16 },
  drain: { fill: '#56B4E9', opacity: 0.16 },
};

const LEFT = 60;
const RIGHT = 16;
const THROUGHPUT_HEIGHT = 130;
const PANEL_GAP = 14;
const RTT_HEIGHT = 170;
const BOTTOM = 46;
/** Beyond this many probes a path has several per pixel column: the lowest and highest of each are kept. */
const MAX_DRAWN_PROBES = 2000;

export function renderRrulChart(spec: RrulChartSpec, size: ChartSize = WIDE): string {
  const legend: LegendItem[] = [
    ...spec.throughput.map((s) => ({ name: s.name, color: s.color, dash: s.dash })),
    { name: 'round trip', color: RTT_COLOR },
    { name: 'lost probe', color: LOST_COLOR },
  ];
  const width = size.width;
  const rows = layoutLegend(legend, size);
  const title = titleLines(spec.title, size.titleChars);
  const caption = captionLines(
    `every probe, ${formatNumber(spec.probeIntervalS * 1000)} ms apart; throughput per reporting interval`,
    size,
  );
  const headExtra = (title.length - 1) * TITLE_LINE + caption.length * CAPTION_LINE;
  const legendTop = 38 + headExtra;
  const top1 = legendTop + (rows.length - 1) * LEGEND_ROW + 14;
  const bottom1 = top1 + THROUGHPUT_HEIGHT;
  const top2 = bottom1 + PANEL_GAP;
  const bottom2 = top2 + RTT_HEIGHT;
  const height = bottom2 + BOTTOM;
  const left = LEFT;
  const right = width - RIGHT;

  const xScale = linearScale(0, spec.xMax, { zero: true, count: 6 });
  const x = (t: number): number => left + xScale.fraction(t) * (right - left);
  let mbpsMax = 0;
  for (const s of spec.throughput)
    mbpsMax = Math.max(
      mbpsMax,
      maxOf(
        s.points.map((p) => p.y),
        0,
      ),
    );
  const yMbps = linearScale(0, mbpsMax, { zero: true, count: 4 });
  const rttMs: number[] = [];
  for (const v of spec.rttUs) if (v !== null) rttMs.push(v / 1000);
  const yRtt = linearScale(0, maxOf(rttMs, 0), { zero: true, count: 5 });
  const y1 = (v: number): number => bottom1 - yMbps.fraction(v) * (bottom1 - top1);
  const y2 = (v: number): number => bottom2 - yRtt.fraction(v) * (bottom2 - top2);

  const parts = chartOpening('rrul', spec.title, size, width, height, title, caption);
  parts.push(legendMarkup(rows, legendTop));

  // Phases first, under the grid and the data.
  const labels: string[] = [];
  for (const phase of spec.phases) {
    const x1 = x(phase.start_s);
    const x2 = x(phase.end_s);
    const look = PHASE_FILL[phase.name] ?? PHASE_FILL.idle;
    for (const [top, bottom] of [
      [top1, bottom1],
      [top2, bottom2],
    ]) {
      parts.push(
        element('rect', {
          class: 'phase',
          'data-phase': phase.name,
          x: x1,
          y: top,
          width: Math.max(0, x2 - x1),
          height: bottom - top,
          fill: look.fill,
          'fill-opacity': look.opacity,
        }),
      );
    }
    // At the foot of the throughput panel, where no line runs while the link is loaded; drawn last, over the lines.
    labels.push(bandLabel([phase.name], x1, x2, bottom1 - 6, 'phase-label'));
    if (phase.p50_ms !== null) labels.push(bandLabel(['p50', `${formatNumber(phase.p50_ms)} ms`], x1, x2, bottom2 - 6, 'phase-p50'));
  }

  const labelled = spacedTicks(xScale, x);
  parts.push(panelAxes(yMbps, y1, left, right, top1, bottom1, 'throughput (Mbit/s)'));
  parts.push(panelAxes(yRtt, y2, left, right, top2, bottom2, 'round trip (ms)'));
  for (const tick of xScale.ticks) {
    const tx = x(tick);
    // The shared time axis: a tick under each panel, its value under the lower one only.
    parts.push(element('line', { x1: tx, y1: bottom1, x2: tx, y2: bottom1 + 4, stroke: '#6b7280' }));
    parts.push(element('line', { x1: tx, y1: bottom2, x2: tx, y2: bottom2 + 4, stroke: '#6b7280' }));
    if (labelled.has(tick)) parts.push(textElement(xScale.format(tick), { x: tx, y: bottom2 + 17, 'text-anchor': 'middle' }));
  }
  parts.push(
    textElement('time (s)', { class: 'x-label', x: (left + right) / 2, y: height - 10, 'text-anchor': 'middle', 'font-size': 13 }),
  );

  for (const s of spec.throughput) {
    if (s.points.length === 0) continue;
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    parts.push(
      element('path', {
        class: 'series',
        'data-series': s.name,
        d: sorted.map((p, i) => `${i === 0 ? 'M' : 'L'}${coord(x(p.x))} ${coord(y1(p.y))}`).join(''),
        fill: 'none',
        stroke: s.color,
        'stroke-width': 2,
        'stroke-dasharray': s.dash,
        'stroke-linejoin': 'round',
      }),
    );
  }

  parts.push(
    element('path', {
      class: 'series',
      'data-series': 'round trip',
      d: rttPath(spec.rttUs, spec.probeIntervalS, x, y2),
      fill: 'none',
      stroke: RTT_COLOR,
      'stroke-width': 1.2,
      'stroke-linejoin': 'round',
    }),
  );
  parts.push(lostMarks(spec.rttUs, spec.probeIntervalS, x, top2));
  parts.push(...labels);
  parts.push('</svg>');
  return parts.join('');
}

/**
 * A phase's name or figure centred in its band, its words on one line when they fit (about 6 px a
 * character), else one word a line, else upright; nothing in a band narrower than a line of text.
 */
function bandLabel(words: string[], x1: number, x2: number, y: number, cls: string): string {
  const width = x2 - x1;
  const fits = (t: string): boolean => width >= t.length * 6 + 6;
  const one = words.join(' ');
  // A white halo keeps the words readable where a noisy round trip runs through them.
  const attrs = {
    class: cls,
    'text-anchor': 'middle',
    'font-size': 11,
    fill: '#374151',
    stroke: '#ffffff',
    'stroke-width': 3,
    'stroke-linejoin': 'round',
    'paint-order': 'stroke',
  };
  if (fits(one)) return textElement(one, { ...attrs, x: (x1 + x2) / 2, y });
  if (words.every(fits)) {
    return words.map((w, i) => textElement(w, { ...attrs, x: (x1 + x2) / 2, y: y - (words.length - 1 - i) * 13 })).join('');
  }
  if (width < 14) return '';
  const lx = (x1 + x2) / 2 + 4;
  return textElement(one, { ...attrs, 'text-anchor': 'start', x: lx, y, transform: `rotate(-90 ${coord(lx)} ${coord(y)})` });
}

function panelAxes(
  scale: Scale,
  y: (v: number) => number,
  left: number,
  right: number,
  top: number,
  bottom: number,
  label: string,
): string {
  const parts: string[] = [];
  for (const tick of scale.ticks) {
    const ty = y(tick);
    parts.push(element('line', { x1: left, y1: ty, x2: right, y2: ty, stroke: '#e5e7eb', 'stroke-width': 1 }));
    parts.push(textElement(scale.format(tick), { x: left - 6, y: ty + 4, 'text-anchor': 'end' }));
  }
  parts.push(element('line', { x1: left, y1: bottom, x2: right, y2: bottom, stroke: '#6b7280' }));
  parts.push(element('line', { x1: left, y1: top, x2: left, y2: bottom, stroke: '#6b7280' }));
  const mid = (top + bottom) / 2;
  parts.push(
    textElement(label, {
      class: 'y-label',
      x: 15,
      y: mid,
      'text-anchor': 'middle',
      'font-size': 13,
      transform: `rotate(-90 15 ${coord(mid)})`,
    }),
  );
  return parts.join('');
}

/**
 * Every probe's round trip as a line, broken where a probe was lost (no echo: nothing to draw, and a
 * line across the gap would invent round trips). Past MAX_DRAWN_PROBES, each pixel column of a stretch
 * keeps its first, lowest, highest and last probe, so every spike stays visible.
 */
function rttPath(rttUs: ReadonlyArray<number | null>, intervalS: number, x: (t: number) => number, y: (ms: number) => number): string {
  const thin = rttUs.length > MAX_DRAWN_PROBES;
  const out: string[] = [];
  let run: Array<[number, number]> = [];
  const flush = (): void => {
    const kept = thin ? perColumn(run) : run;
    kept.forEach(([px, py], i) => {
      // A tenth of a pixel is finer than any screen: a run of 1200 probes is a fifth shorter for it.
      out.push(`${i === 0 ? 'M' : 'L'}${tenth(px)} ${tenth(py)}`);
    });
    // A lone probe between two lost ones is still a round trip: a dot's worth of line.
    if (kept.length === 1) out.push('h0.01');
    run = [];
  };
  rttUs.forEach((v, k) => {
    if (v === null) {
      if (run.length > 0) flush();
      return;
    }
    run.push([x(k * intervalS), y(v / 1000)]);
  });
  if (run.length > 0) flush();
  return out.join('');
}

function tenth(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function perColumn(points: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  while (i < points.length) {
    const column = Math.floor(points[i][0]);
    let j = i;
    let low = i;
    let high = i;
    while (j + 1 < points.length && Math.floor(points[j + 1][0]) === column) {
      j++;
      // SVG y grows downwards: the lowest round trip has the largest y.
      if (points[j][1] > points[low][1]) low = j;
      if (points[j][1] < points[high][1]) high = j;
    }
    for (const k of [...new Set([i, Math.min(low, high), Math.max(low, high), j])]) out.push(points[k]);
    i = j + 1;
  }
  return out;
}

/**
 * A tick along the top of the round-trip panel at each lost probe's send time. Lost probes falling in
 * one pixel column share a tick, which says how many it stands for (data-probes, and its tooltip).
 */
function lostMarks(rttUs: ReadonlyArray<number | null>, intervalS: number, x: (t: number) => number, top: number): string {
  const columns = new Map<number, { px: number; count: number; first: number }>();
  rttUs.forEach((v, k) => {
    if (v !== null) return;
    const px = x(k * intervalS);
    const column = Math.floor(px);
    const c = columns.get(column);
    if (c) c.count++;
    else columns.set(column, { px, count: 1, first: k * intervalS });
  });
  const parts: string[] = [];
  for (const c of columns.values()) {
    const tip = `${c.count} probe${c.count === 1 ? '' : 's'} lost at ${formatNumber(c.first)} s`;
    parts.push(
      element(
        'path',
        {
          class: 'lost',
          'data-probes': c.count,
          d: `M${coord(c.px)} ${coord(top)}v9`,
          stroke: LOST_COLOR,
          'stroke-width': 2,
        },
        `<title>${escapeXml(tip)}</title>`,
      ),
    );
  }
  return parts.join('');
}

import { type ChartSize, NARROW, WIDE } from './charts/frame.js';
import type { ChartView } from './report-model.js';

/** Charts of report.md live in this folder beside it; names are built from indexes, never from labels. */
export const CHART_DIR = 'charts';

/** A chart drawn at both widths: `draw` lays out the same figures for the size it is given. */
export function makeChart(id: string, kind: ChartView['kind'], title: string, draw: (size: ChartSize) => string): ChartView {
  return { id, kind, title, svg: draw(WIDE), svg_narrow: draw(NARROW), file: `${CHART_DIR}/${id}.svg` };
}

export function padIndex(n: number): string {
  return String(n).padStart(2, '0');
}

import type { ChartView } from './report-model.js';

/** Charts of report.md live in this folder beside it; names are built from indexes, never from labels. */
export const CHART_DIR = 'charts';

export function makeChart(id: string, kind: ChartView['kind'], title: string, svg: string): ChartView {
  return { id, kind, title, svg, file: `${CHART_DIR}/${id}.svg` };
}

export function padIndex(n: number): string {
  return String(n).padStart(2, '0');
}

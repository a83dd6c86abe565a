import type { ResultsFile } from '../core/results-file.js';
import type { RunObject } from '../core/run-object.js';
import { figureInfo, formatNumber, HEADLINE_FIGURES } from '../core/figure-catalog.js';
import { matrixChart } from './charts/matrix-chart.js';
import type { MeshView } from './report-model.js';

/**
 * For each run of the scenario whose runs went between remote hosts (a mesh,
 * pairs, from:/to:), its test's first headline figure as a matrix: rows
 * from, columns to, the mean over a pair's repeats that ended ok. The worst
 * pairs (failed first) head a list, and Markdown gets the same as a table.
 * Hosts are named as their servers reported themselves.
 */
export function meshViews(results: ResultsFile, format: 'html' | 'md'): MeshView[] {
  const meshes = new Map<string, RunObject[]>();
  for (const run of results.runs) {
    if (!run.from) continue;
    const key = `${run.scenario_index ?? -1}\u0000${run.test}`;
    const list = meshes.get(key);
    if (list) list.push(run);
    else meshes.set(key, [run]);
  }
  const views: MeshView[] = [];
  // A failed run may not have heard a host's name: the name it gave in any other run stands for its address.
  const names = new Map<string, string>();
  for (const run of results.runs) for (const end of [run.from, run.to]) if (end?.name) names.set(`${end.host}:${end.port}`, end.name);
  const hostName = (end: { host: string; port: number; name?: string }): string =>
    end.name ?? names.get(`${end.host}:${end.port}`) ?? `${end.host}:${end.port}`;
  for (const runs of meshes.values()) {
    const test = runs[0].test;
    const figure = HEADLINE_FIGURES[test][0];
    const info = figureInfo(figure);
    const hosts: string[] = [];
    const pairs = new Map<string, { from: string; to: string; values: number[]; failed: number }>();
    for (const run of runs) {
      const from = hostName(run.from as NonNullable<RunObject['from']>);
      const to = run.to ? hostName(run.to) : `${run.peer.host}:${run.peer.port}`;
      for (const h of [from, to]) if (!hosts.includes(h)) hosts.push(h);
      const id = `${from}\u0000${to}`;
      const pair = pairs.get(id) ?? { from, to, values: [], failed: 0 };
      pairs.set(id, pair);
      const value = run.status === 'ok' ? (run.summary as Record<string, unknown> | null)?.[figure] : undefined;
      if (typeof value === 'number' && Number.isFinite(value)) pair.values.push(value);
      else pair.failed++;
    }
    hosts.sort();
    const cells = [...pairs.values()].map((p) => ({
      from: p.from,
      to: p.to,
      value: p.values.length > 0 ? p.values.reduce((a, b) => a + b, 0) / p.values.length : null,
    }));
    const sign = info.better === 'higher' ? 1 : -1;
    // Failed pairs first, then the worst figure first; ties in host order.
    const worst = [...cells].sort(
      (a, b) =>
        (a.value === null ? -Infinity : sign * a.value) - (b.value === null ? -Infinity : sign * b.value) ||
        a.from.localeCompare(b.from) ||
        a.to.localeCompare(b.to),
    );
    const text = (v: number | null) => (v === null ? 'failed' : formatNumber(v));
    const index = views.length + 1;
    const title = `${test}: ${info.label} (${info.unit}) from each host (rows) to each (columns)`;
    views.push({
      index,
      anchor: `mesh-${index}`,
      title,
      test,
      figure,
      figure_label: info.label,
      unit: info.unit,
      hosts,
      pairs: cells.length,
      failed: cells.filter((c) => c.value === null).length,
      svg: format === 'html' ? matrixChart({ title, hosts, cells, unit: info.unit, better: info.better, format: formatNumber }) : '',
      worst: worst.slice(0, 10).map((c) => ({ from: c.from, to: c.to, value_text: text(c.value) })),
      table: {
        header: ['from / to', ...hosts],
        rows: hosts.map((from) => [
          from,
          ...hosts.map((to) => (from === to ? '-' : text(cells.find((c) => c.from === from && c.to === to)?.value ?? null))),
        ]),
      },
    });
  }
  return views;
}

import type { ResultsFile } from '../../core/results-file.js';
import type { RunObject } from '../../core/run-object.js';
import { compareFigureNames, figureInfo, figureValues } from '../../core/figure-catalog.js';
import { formatHostPort } from '../../core/host-port.js';

/**
 * CSV (RFC 4180): one row per run, repeats included, in the order they ran;
 * a header naming each column with its unit, such as `throughput_mbps (Mbit/s)`.
 * A figure a run did not produce is an empty cell, never 0.
 */
export function renderCsv(results: ResultsFile): string {
  const paramNames = [...new Set(results.runs.flatMap((r) => Object.keys(r.params ?? {})))].filter((k) => k !== 'test');
  const figureNames = [...new Set(results.runs.flatMap((r) => (r.summary ? figureValues(r.summary).map(([name]) => name) : [])))].sort(
    compareFigureNames,
  );

  const columns: Array<{ header: string; value: (run: RunObject) => string | number | boolean | null | undefined }> = [
    { header: 'label', value: (r) => r.label ?? r.test },
    { header: 'test', value: (r) => r.test },
    { header: 'repeat', value: (r) => (r.repeat_index ?? 0) + 1 },
    { header: 'status', value: (r) => (r.interrupted ? 'interrupted' : r.status) },
    { header: 'started_at (UTC)', value: (r) => r.started_at },
    { header: 'duration (s)', value: (r) => r.duration_s },
    { header: 'from', value: () => 'local' },
    { header: 'to', value: (r) => peerText(r) },
    { header: 'data_path client', value: (r) => r.client?.data_path ?? null },
    { header: 'data_path server', value: (r) => r.server?.data_path ?? null },
    ...paramNames.map((name) => ({
      header: `${name}${paramUnit(name)}`,
      value: (r: RunObject) => (r.params as unknown as Record<string, unknown>)[name] as string | number | boolean | undefined,
    })),
    ...figureNames.map((name) => {
      const unit = figureInfo(name).unit;
      return {
        header: unit ? `${name} (${unit})` : name,
        value: (r: RunObject) => (r.summary ? new Map(figureValues(r.summary)).get(name) : undefined),
      };
    }),
    { header: 'error', value: (r) => (r.error ? `${r.error.code}: ${r.error.message}` : null) },
  ];

  const lines = [columns.map((c) => cell(c.header)).join(',')];
  for (const run of results.runs) lines.push(columns.map((c) => cell(c.value(run))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function peerText(run: RunObject): string {
  if (run.peer.embedded) return 'embedded';
  return formatHostPort(run.peer.host, run.peer.port);
}

/** Params are named with their unit already (`duration_s`, `rate_bps`); say it in words in the header. */
function paramUnit(name: string): string {
  if (name.endsWith('_s')) return ' (s)';
  if (name.endsWith('_bytes')) return ' (bytes)';
  if (name.endsWith('_bps')) return ' (bit/s)';
  return '';
}

function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // A spreadsheet runs a cell that starts with = + - @ as a formula: a label from a scenario file must stay text.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

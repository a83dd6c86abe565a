import type { ResultsFile } from '../../core/results-file.js';
import type { RunObject } from '../../core/run-object.js';

/**
 * JUnit XML, in the Apache Ant form that Jenkins, GitLab, GitHub Actions
 * reporters and most CI parsers read: one <testsuite> for the scenario, one
 * <testcase> per expanded run (its repeats together) and one per expectation.
 *
 * - A run whose every repeat failed is an <error> (bench could not measure);
 *   one that failed in some repeats is an <error> too, naming how many.
 * - An expectation not met is a <failure> with the observed value against
 *   the condition; one with no value to judge (its runs failed) is <skipped>.
 * - Expanded runs that never started (the scenario was interrupted) are <skipped>.
 */
export function renderJunit(results: ResultsFile): string {
  const suite = results.scenario.name;
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  let skipped = 0;

  const runsByLabel = new Map<string, RunObject[]>();
  for (const run of results.runs) {
    const label = run.label ?? run.test;
    runsByLabel.set(label, [...(runsByLabel.get(label) ?? []), run]);
  }
  const labels = results.groups.length > 0 ? results.groups.map((g) => g.label) : [...runsByLabel.keys()];
  for (const label of new Set([...labels, ...runsByLabel.keys()])) {
    const runs = runsByLabel.get(label) ?? [];
    const test = runs[0]?.test ?? results.groups.find((g) => g.label === label)?.test ?? 'run';
    const time = runs.reduce((sum, r) => sum + (Number.isFinite(r.duration_s) ? r.duration_s : 0), 0);
    const head = `    <testcase name="${attr(label)}" classname="${attr(`bench.${suite}.${test}`)}" time="${decimal(time)}"`;
    const failed = runs.filter((r) => r.status !== 'ok');
    const interrupted = runs.filter((r) => r.interrupted === true && r.status === 'ok');
    if (runs.length === 0) {
      skipped++;
      cases.push(`${head}>\n      <skipped/>\n    </testcase>`);
    } else if (failed.length > 0) {
      errors++;
      const first = failed[0].error;
      const message = `${failed.length} of ${runs.length} repeat${runs.length === 1 ? '' : 's'} failed: ${first?.message ?? 'no error recorded'}`;
      const detail = failed
        .map((r) => `repeat ${(r.repeat_index ?? 0) + 1}: ${r.error?.code ?? 'failed'}: ${r.error?.message ?? ''}`)
        .join('\n');
      cases.push(
        `${head}>\n      <error type="${attr(first?.code ?? 'run_failed')}" message="${attr(message)}">${text(detail)}</error>\n    </testcase>`,
      );
    } else if (interrupted.length > 0) {
      skipped++;
      cases.push(`${head}>\n      <skipped/>\n    </testcase>`);
    } else {
      cases.push(`${head}/>`);
    }
  }

  for (const e of results.expectations) {
    const head = `    <testcase name="${attr(`${e.label}: ${e.figure} ${e.condition}`)}" classname="${attr(`bench.${suite}.expectations`)}" time="0"`;
    if (e.observed === null) {
      skipped++;
      cases.push(`${head}>\n      <skipped/>\n    </testcase>`);
    } else if (!e.ok) {
      failures++;
      const message = `${e.figure} was ${e.observed}, expected ${e.condition}`;
      cases.push(`${head}>\n      <failure type="expectation" message="${attr(message)}">${text(message)}</failure>\n    </testcase>`);
    } else {
      cases.push(`${head}/>`);
    }
  }

  const started = Date.parse(results.started_at);
  const finished = Date.parse(results.finished_at);
  const suiteTime = Number.isFinite(started) && Number.isFinite(finished) && finished >= started ? (finished - started) / 1000 : 0;
  const properties = [
    ['bench_version', results.host.bench_version],
    ['scenario_file', results.scenario.file],
    ['scenario_sha256', results.scenario.sha256],
    ['kernel', results.host.kernel],
    ['node', results.host.node],
    ...(results.note ? [['note', results.note]] : []),
    ...(results.interrupted ? [['interrupted', 'true']] : []),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<testsuites>',
    `  <testsuite package="bench" id="0" name="${attr(suite)}" timestamp="${junitTimestamp(results.started_at)}" hostname="${attr(results.host.hostname || 'localhost')}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${decimal(suiteTime)}">`,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property name="${attr(name)}" value="${attr(value)}"/>`),
    '    </properties>',
    ...cases,
    '    <system-out/>',
    '    <system-err/>',
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** The Ant schema's timestamp: ISO 8601 in UTC, to the second, without a zone designator. */
function junitTimestamp(iso: string): string {
  const t = Date.parse(iso);
  return (Number.isFinite(t) ? new Date(t) : new Date(0)).toISOString().slice(0, 19);
}

function decimal(seconds: number): string {
  return Number.isFinite(seconds) && seconds >= 0 ? seconds.toFixed(3) : '0';
}

/** Characters XML 1.0 cannot hold at all (most C0 controls, lone surrogates, U+FFFE/FFFF) are dropped. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function text(value: string): string {
  return value.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value: also quotes, and line breaks kept as references (a parser would fold them to spaces). */
function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

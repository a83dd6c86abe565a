import type { ExpectationResult } from '../core/results-file.js';
import type { TestName } from '../core/test-params.js';
import { didYouMean, listWords } from './did-you-mean.js';
import { ALL_FIGURES, figuresOf } from '../core/figure-catalog.js';

/**
 * `expect: { throughput_mbps: ">= 900", "latency_us.p99": "< 250" }`: a
 * condition on a summary figure, checked against the mean across repeats.
 */
export type ExpectOp = ExpectationResult['op'];

export interface Expectation {
  figure: string;
  /** As written, trimmed: `>= 900`. */
  condition: string;
  op: ExpectOp;
  threshold: number;
}

const CONDITION = /^\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$/;

/** The condition text, or the sentence saying what is wrong with it. */
export function parseCondition(figure: string, written: unknown): { ok: true; expectation: Expectation } | { ok: false; message: string } {
  const m = typeof written === 'string' ? CONDITION.exec(written) : null;
  if (!m) {
    const shown = typeof written === 'string' ? `'${written}'` : String(written);
    return {
      ok: false,
      message: `expectation ${shown} for ${figure} is not a condition: write an operator and a number in quotes, such as ">= 900" (operators: <, <=, >, >=, ==)`,
    };
  }
  return { ok: true, expectation: { figure, condition: `${m[1]} ${m[2]}`, op: m[1] as ExpectOp, threshold: Number(m[2]) } };
}

/** Null when `figure` is one the test produces; otherwise the sentence for the user. */
export function checkFigure(test: TestName, figure: string): string | null {
  const own = figuresOf(test);
  if (own.includes(figure)) return null;
  if (ALL_FIGURES.includes(figure)) {
    return `${test} does not produce ${figure}: its figures are ${listWords(own)}`;
  }
  const latency = own.filter((f) => f.startsWith('latency_us.'));
  if (figure.startsWith('latency_us.') && latency.length > 0) {
    // Guessing between p90 and p99 for p95 would be a coin toss: list what there is.
    return `unknown figure '${figure}' for ${test}: latency_us has ${listWords(latency.map((f) => f.slice('latency_us.'.length)))}`;
  }
  // Only the test's own figures: suggesting loss_percent for TCP_STREAM would trade a typo for a refusal.
  const guess = didYouMean(figure, own);
  return guess !== undefined
    ? `unknown figure '${figure}' for ${test}: did you mean '${guess}'?`
    : `unknown figure '${figure}' for ${test}: its figures are ${listWords(own)}`;
}

/** For a run whose test is unknown: null when some test produces `figure`. */
export function checkAnyFigure(figure: string): string | null {
  if (ALL_FIGURES.includes(figure)) return null;
  const guess = didYouMean(figure, ALL_FIGURES);
  return guess !== undefined
    ? `unknown figure '${figure}': did you mean '${guess}'?`
    : `unknown figure '${figure}': figures are ${listWords(ALL_FIGURES)}`;
}

export function meets(observed: number, op: ExpectOp, threshold: number): boolean {
  switch (op) {
    case '<':
      return observed < threshold;
    case '<=':
      return observed <= threshold;
    case '>':
      return observed > threshold;
    case '>=':
      return observed >= threshold;
    case '==':
      return observed === threshold;
  }
}

export function evaluateExpectation(label: string, e: Expectation, observed: number | null): ExpectationResult {
  return {
    label,
    figure: e.figure,
    condition: e.condition,
    op: e.op,
    threshold: e.threshold,
    observed,
    ok: observed !== null && meets(observed, e.op, e.threshold),
  };
}

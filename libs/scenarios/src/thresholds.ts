import { CATEGORIES, RESPONSE_CODES, isResponseCode, type Category } from '../../domain/src';
import type { ThresholdMetric, ThresholdsSpec } from './types';

/** A comparison as the scenario writes it: `">=0.99"`, `"<=2000"`, `"<5"`, `"==0"`. */
export interface ThresholdCondition {
  readonly op: '<' | '<=' | '>' | '>=' | '==';
  readonly value: number;
}

const CONDITION_RE = /^\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** Reads one condition; null when it is not `<op> <number>`. */
export function parseCondition(expr: string): ThresholdCondition | null {
  const m = CONDITION_RE.exec(expr);
  if (!m) return null;
  return { op: m[1] as ThresholdCondition['op'], value: Number(m[2]) };
}

export function holds(c: ThresholdCondition, actual: number): boolean {
  switch (c.op) {
    case '<':
      return actual < c.value;
    case '<=':
      return actual <= c.value;
    case '>':
      return actual > c.value;
    case '>=':
      return actual >= c.value;
    case '==':
      return actual === c.value;
  }
}

/** Problems a schema cannot state (ranges per metric), as `thresholds.<path>: message`. */
export function thresholdProblems(spec: ThresholdsSpec | undefined): string[] {
  if (!spec) return [];
  const out: string[] = [];
  const check = (path: string, metric: string, expr: string) => {
    const c = parseCondition(expr);
    if (!c) return out.push(`${path}.${metric}: "${expr}" is not a condition like ">=0.99" or "<=2000"`);
    if (metric === 'successRate' && (c.value < 0 || c.value > 1))
      out.push(`${path}.${metric}: a success rate is a share from 0 to 1, got ${c.value}`);
    else if (c.value < 0) out.push(`${path}.${metric}: must compare with a number >= 0, got ${c.value}`);
    return 0;
  };
  for (const [m, e] of Object.entries(spec.overall ?? {}))
    if (e !== undefined) check('thresholds.overall', m, e);
  for (const [cls, set] of Object.entries(spec.classes ?? {}))
    for (const [m, e] of Object.entries(set ?? {}))
      if (e !== undefined) check(`thresholds.classes.${cls}`, m, e);
  return out;
}

/** What a load run observed, per scope, in the units the thresholds use (shares, ms, counts). */
export interface ScopeObservation {
  /** Arrivals the curve asked for in this scope, dropped ones included. */
  readonly offered: number;
  /** Arrivals answered SUCCESS, DEEMED or with a business decline (the system worked). */
  readonly ok: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

export interface LoadObservation {
  readonly overall: ScopeObservation & { readonly droppedArrivals: number };
  readonly classes: Readonly<Record<Category, ScopeObservation>>;
}

export interface ThresholdOutcome {
  /** 'overall' or a class. */
  readonly scope: 'overall' | Category;
  readonly metric: ThresholdMetric | 'droppedArrivals';
  readonly condition: string;
  /** null: no data in this scope (nothing offered, or nothing answered for a latency). */
  readonly actual: number | null;
  /** A threshold with no data passes, as in k6; the success rate of the scope catches silence. */
  readonly ok: boolean;
}

/**
 * Evaluates the scenario's thresholds against a run. The success rate of a scope is ok / offered:
 * dropped arrivals, transport errors, technical declines and payments still pending at the end
 * count against it; business declines (insufficient funds, unknown payee) are correct answers.
 */
export function evaluateThresholds(
  spec: ThresholdsSpec | undefined,
  obs: LoadObservation,
): ThresholdOutcome[] {
  if (!spec) return [];
  const out: ThresholdOutcome[] = [];
  const value = (o: ScopeObservation, metric: string): number | null => {
    if (metric === 'successRate') return o.offered > 0 ? o.ok / o.offered : null;
    if (metric === 'droppedArrivals') return (o as LoadObservation['overall']).droppedArrivals;
    return o[metric as 'p50Ms' | 'p95Ms' | 'p99Ms' | 'maxMs'];
  };
  const scope = (
    name: 'overall' | Category,
    set: Readonly<Record<string, string | undefined>>,
    o: ScopeObservation,
  ) => {
    for (const [metric, expr] of Object.entries(set)) {
      if (expr === undefined) continue;
      const c = parseCondition(expr);
      if (!c)
        throw new Error(`thresholds: bad condition "${expr}" (the scenario validator should have said so)`);
      const actual = value(o, metric);
      out.push({
        scope: name,
        metric: metric as ThresholdOutcome['metric'],
        condition: expr.trim(),
        actual,
        ok: actual === null || holds(c, actual),
      });
    }
  };
  if (spec.overall) scope('overall', spec.overall, obs.overall);
  for (const cls of CATEGORIES) {
    const set = spec.classes?.[cls];
    if (set) scope(cls, set, obs.classes[cls]);
  }
  return out;
}

/** Whether an answer counts as "the system worked" for the success rate (see evaluateThresholds). */
export function answerCountsAsOk(status: string, code: string | null): boolean {
  if (status === 'SUCCESS' || status === 'DEEMED') return true;
  if (status !== 'DECLINED') return false;
  return code !== null && isResponseCode(code) && RESPONSE_CODES[code].kind === 'BD';
}

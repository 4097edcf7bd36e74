import { InputError } from '../../domain/src/input-error';
import { holds, parseCondition, type ThresholdCondition } from '../../scenarios/src/thresholds';
import type { RunResult } from '../../scenarios/src/result';

/**
 * A service-level objective for the planner: `success>=99.5,p99<=2000`. Metrics: `success` (% of
 * answered payments without a technical decline: business declines such as insufficient funds are
 * the system working, as in NPCI's TD rate), `p50`/`p95`/`p99`/`max` (answer latency, ms),
 * `throughput` (completed payments/s). The conditions use the scenario thresholds' syntax.
 */
export type SloMetric = 'success' | 'p50' | 'p95' | 'p99' | 'max' | 'throughput';

export interface SloTerm {
  readonly metric: SloMetric;
  readonly condition: ThresholdCondition;
  readonly text: string;
}

export interface Slo {
  readonly terms: readonly SloTerm[];
  /** Seconds per window the SLO must also hold in (0: the whole run only). */
  readonly windowSec: number;
  readonly text: string;
}

const METRICS: readonly SloMetric[] = ['success', 'p50', 'p95', 'p99', 'max', 'throughput'];

export class SloError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'SloError';
  }
}

/** Parses an SLO string; every problem is reported at once, with what was expected. */
export function parseSlo(text: string, windowSec = 0): Slo {
  if (typeof text !== 'string' || text.trim() === '')
    throw new SloError('SLO is empty: expected e.g. "success>=99.5,p99<=2000"');
  if (!(Number.isFinite(windowSec) && windowSec >= 0))
    throw new SloError(`SLO window must be a number of seconds >= 0, got ${windowSec}`);
  const problems: string[] = [];
  const terms: SloTerm[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const m = /^([a-z0-9]+)\s*(.*)$/i.exec(part);
    if (!part || !m) {
      problems.push(`"${raw}": expected <metric><op><number>, e.g. p99<=2000`);
      continue;
    }
    const metric = m[1]!.toLowerCase() as SloMetric;
    if (!METRICS.includes(metric)) {
      problems.push(`"${part}": unknown metric '${m[1]}' (one of ${METRICS.join(', ')})`);
      continue;
    }
    const condition = parseCondition(m[2]!);
    if (!condition) {
      problems.push(`"${part}": '${m[2]}' is not a comparison like >=99.5 or <=2000 (ops <, <=, >, >=, ==)`);
      continue;
    }
    if (metric === 'success' && (condition.value < 0 || condition.value > 100))
      problems.push(`"${part}": success is a percentage from 0 to 100`);
    else if (condition.value < 0) problems.push(`"${part}": ${metric} compares with a number >= 0`);
    if (seen.has(metric)) problems.push(`"${part}": ${metric} is given twice`);
    seen.add(metric);
    terms.push({ metric, condition, text: part });
  }
  if (problems.length > 0) throw new SloError(`invalid SLO "${text}":\n  ${problems.join('\n  ')}`);
  return { terms, windowSec, text };
}

/** What the SLO compares, for one scope (the whole run or one window). */
export type SloFigures = Readonly<Record<SloMetric, number | null>>;

export interface SloVerdict {
  readonly meets: boolean;
  readonly overall: SloFigures;
  /** The window that did worst against the SLO (null without windows). */
  readonly worstWindow: {
    readonly fromSec: number;
    readonly figures: SloFigures;
    readonly meets: boolean;
  } | null;
  /** Terms that failed, as "p99 3120 > 2000 (whole run)". */
  readonly failures: readonly string[];
}

/** Checks a result against the SLO: over the whole run, and in every window of the timeline. */
export function checkSlo(slo: Slo, r: RunResult): SloVerdict {
  const done = r.completed;
  const overall: SloFigures = {
    success: done > 0 ? (100 * (done - r.outcomes.technicalDeclines)) / done : null,
    p50: r.latencyMs.overall.count ? r.latencyMs.overall.p50 : null,
    p95: r.latencyMs.overall.count ? r.latencyMs.overall.p95 : null,
    p99: r.latencyMs.overall.count ? r.latencyMs.overall.p99 : null,
    max: r.latencyMs.overall.count ? r.latencyMs.overall.max : null,
    throughput: r.throughputTps,
  };
  const failures = failing(slo, overall, 'whole run');
  let worst: SloVerdict['worstWindow'] = null;
  let worstScore = -Infinity;
  if (slo.windowSec > 0) {
    // Windows over the offered curve; answers after it (the drain) belong to the last window.
    const w = slo.windowSec;
    const end = Math.max(1, Math.ceil(r.durationSec / w));
    // Technical declines per second when the simulator recorded them; otherwise every decline counts.
    const tdPerSec = (r.extensions?.sim as { technicalPerSec?: number[] } | undefined)?.technicalPerSec;
    for (let k = 0; k < end; k++) {
      const pts = r.timeline.filter((p) => Math.floor(p.t / w) === k || (k === end - 1 && p.t >= end * w));
      const completed = pts.reduce((a, p) => a + p.completed, 0);
      const failed = pts.reduce((a, p) => a + (tdPerSec ? (tdPerSec[p.t] ?? 0) : p.declined), 0);
      const success = completed - failed;
      const p99s = pts.map((p) => p.p99Ms).filter((x): x is number => x !== null);
      // Per-second p99s are all the timeline keeps: the window's p99 is their largest (conservative).
      const fig: SloFigures = {
        success: completed > 0 ? (100 * success) / completed : null,
        p50: null,
        p95: null,
        p99: p99s.length ? Math.max(...p99s) : null,
        max: null,
        throughput: completed / w,
      };
      const f = failing(slo, fig, `window ${k * w}-${(k + 1) * w} s`, ['success', 'p99']);
      const score = badness(slo, fig);
      if (score > worstScore) {
        worstScore = score;
        worst = { fromSec: k * w, figures: fig, meets: f.length === 0 };
      }
      failures.push(...f);
    }
  }
  return { meets: failures.length === 0, overall, worstWindow: worst, failures };
}

function failing(slo: Slo, fig: SloFigures, where: string, only?: readonly SloMetric[]): string[] {
  const out: string[] = [];
  for (const t of slo.terms) {
    if (only && !only.includes(t.metric)) continue;
    const v = fig[t.metric];
    if (v === null) continue; // nothing answered in this scope: the success term of another scope catches it
    if (!holds(t.condition, v)) out.push(`${t.metric} ${round(v)} fails ${t.text} (${where})`);
  }
  return out;
}

/** How far a scope is from its SLO (relative, summed over the success and p99 terms); higher is worse. */
function badness(slo: Slo, fig: SloFigures): number {
  let s = 0;
  for (const t of slo.terms) {
    const v = fig[t.metric];
    if (v === null || (t.metric !== 'success' && t.metric !== 'p99')) continue;
    const target = t.condition.value || 1;
    s += t.metric === 'success' ? (target - v) / target : (v - target) / target;
  }
  return s;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

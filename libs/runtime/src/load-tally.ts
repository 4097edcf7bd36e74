import { CATEGORIES, type Category } from '../../domain/src';
import {
  answerCountsAsOk,
  type LoadObservation,
  type RunResult,
  type ScopeObservation,
} from '../../scenarios/src';

/**
 * Per class: arrivals the curve asked for and those the system answered correctly, for the
 * thresholds' success rates (thresholds.ts says what counts as ok).
 */
export class LoadTally {
  private readonly offered = new Map<Category, number>(CATEGORIES.map((c) => [c, 0]));
  private readonly ok = new Map<Category, number>(CATEGORIES.map((c) => [c, 0]));

  arrival(category: Category): void {
    this.offered.set(category, this.offered.get(category)! + 1);
  }

  answer(category: Category, status: string, code: string | null): void {
    if (answerCountsAsOk(status, code)) this.ok.set(category, this.ok.get(category)! + 1);
  }

  /** The thresholds' view of a run: this tally's counts, the result's latencies, the dropped arrivals. */
  observe(r: Pick<RunResult, 'latencyMs'>, droppedArrivals: number): LoadObservation {
    const lat = (l: { count: number; p50: number; p95: number; p99: number; max: number }) =>
      l.count > 0
        ? { p50Ms: l.p50, p95Ms: l.p95, p99Ms: l.p99, maxMs: l.max }
        : { p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null };
    const classes = {} as Record<Category, ScopeObservation>;
    let offered = 0;
    let ok = 0;
    for (const c of CATEGORIES) {
      const o = this.offered.get(c)!;
      const k = this.ok.get(c)!;
      offered += o;
      ok += k;
      classes[c] = { offered: o, ok: k, ...lat(r.latencyMs.byClass[c]) };
    }
    return { overall: { offered, ok, droppedArrivals, ...lat(r.latencyMs.overall) }, classes };
  }
}

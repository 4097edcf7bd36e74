import { CATEGORIES, CLASS_INFO, type Category } from '../../domain/src';
import type { RunResult } from '../../scenarios/src/result';

/** One run's figures as the comparison report shows them. */
export interface RunSummary {
  /** Short name shown in charts and tables, unique within a report (e.g. "fifo · fixed 50"). */
  readonly label: string;
  readonly mode: RunResult['mode'];
  readonly scheduling: string;
  readonly batchPolicy: string;
  readonly batchSize: number;
  readonly offered: number;
  readonly completed: number;
  /** SUCCESS + DEEMED over completed (0 when nothing completed). */
  readonly successRate: number;
  readonly throughputTps: number;
  readonly declined: number;
  readonly technicalDeclines: number;
  readonly businessDeclines: number;
  /** Dropped by the switch queue: deadline passed (QD) and shed under overload (QS). */
  readonly deadlineDropped: number;
  readonly shed: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly byClass: Readonly<Record<Category, ClassFigures>>;
  /** Mean batch size over the run (null when the mode does not see the switch stage). */
  readonly meanBatchSize: number | null;
  /** Largest sampled switch queue depth (null when the mode does not see it). */
  readonly maxQueueDepth: number | null;
  readonly invariantsOk: boolean;
}

export interface ClassFigures {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly deadlineMs: number;
  readonly withinDeadlineShare: number | null;
  /** True when the share within the deadline reaches the target; null when the class had no payments. */
  readonly met: boolean | null;
}

export interface ClassVerdict {
  readonly category: Category;
  readonly deadlineMs: number;
  /** Labels of the runs that met the class's deadline, best share first. */
  readonly metBy: readonly string[];
  readonly missedBy: readonly string[];
  /** One sentence a person can read. */
  readonly text: string;
}

export interface Comparison {
  readonly scenario: string;
  /** Share of a class's payments that must start within its deadline for the class to count as met. */
  readonly target: number;
  readonly runs: readonly RunSummary[];
  readonly verdicts: readonly ClassVerdict[];
  /** The run that met the most classes (ties: higher success rate, then lower overall p99); null without runs. */
  readonly best: string | null;
  /** The overall verdict in plain language. */
  readonly summary: string;
}

export interface CompareOptions {
  /** Default 0.99: 99 % of a class's payments started within its deadline. */
  readonly target?: number;
}

/** Runs → the figures and verdicts of the comparison report. Pure: no I/O, no clock. */
export function compareRuns(results: readonly RunResult[], opts: CompareOptions = {}): Comparison {
  const target = opts.target ?? 0.99;
  if (!(target > 0 && target <= 1)) throw new Error(`target must be in (0, 1], got ${target}`);
  const labels = uniqueLabels(results);
  const runs = results.map((r, i) => summarise(r, labels[i]!, target));
  const verdicts = CATEGORIES.map((c) => verdictFor(c, runs, target));
  const best = pickBest(runs);
  const scenarios = [...new Set(results.map((r) => r.scenario.name))];
  return {
    scenario: scenarios.join(', '),
    target,
    runs,
    verdicts,
    best: best?.label ?? null,
    summary: overall(runs, best, target, scenarios.length),
  };
}

function summarise(r: RunResult, label: string, target: number): RunSummary {
  const code = (c: string) => r.outcomes.byCode[c]?.count ?? 0;
  const ok = r.outcomes.byStatus.SUCCESS + r.outcomes.byStatus.DEEMED;
  const byClass = {} as Record<Category, ClassFigures>;
  for (const c of CATEGORIES) {
    const s = r.latencyMs.byClass[c];
    byClass[c] = {
      count: s.count,
      p50: s.p50,
      p99: s.p99,
      deadlineMs: CLASS_INFO[c].deadlineMs,
      withinDeadlineShare: s.withinDeadlineShare,
      met: s.count === 0 || s.withinDeadlineShare === null ? null : s.withinDeadlineShare >= target,
    };
  }
  let batches = 0;
  let items = 0;
  let maxQueue: number | null = null;
  for (const p of r.timeline) {
    if (p.batches !== undefined && p.meanBatchSize != null) {
      batches += p.batches;
      items += p.batches * p.meanBatchSize;
    }
    if (p.queueDepth != null) maxQueue = Math.max(maxQueue ?? 0, p.queueDepth);
  }
  const sawStage = r.timeline.some((p) => p.batches !== undefined);
  return {
    label,
    mode: r.mode,
    scheduling: r.strategies.scheduling,
    batchPolicy: r.strategies.batch.policy,
    batchSize: r.strategies.batch.size,
    offered: r.offered,
    completed: r.completed,
    successRate: r.completed ? round4(ok / r.completed) : 0,
    throughputTps: r.throughputTps,
    declined: r.outcomes.byStatus.DECLINED,
    technicalDeclines: r.outcomes.technicalDeclines,
    businessDeclines: r.outcomes.businessDeclines,
    deadlineDropped: code('QD'),
    shed: code('QS'),
    latencyMs: { p50: r.latencyMs.overall.p50, p99: r.latencyMs.overall.p99 },
    byClass,
    meanBatchSize: sawStage ? (batches ? Math.round((items / batches) * 100) / 100 : 0) : null,
    maxQueueDepth: maxQueue,
    invariantsOk: r.invariants.every((i) => i.ok),
  };
}

function verdictFor(c: Category, runs: readonly RunSummary[], target: number): ClassVerdict {
  const info = CLASS_INFO[c];
  const share = (r: RunSummary) => r.byClass[c].withinDeadlineShare ?? -1;
  const met = runs.filter((r) => r.byClass[c].met === true).sort((a, b) => share(b) - share(a));
  const missed = runs.filter((r) => r.byClass[c].met === false).sort((a, b) => share(b) - share(a));
  const head = `${c} (${info.label}, deadline ${info.deadlineMs} ms)`;
  const pct = (r: RunSummary) => `${r.label} (${percent(r.byClass[c].withinDeadlineShare ?? 0)} within)`;
  const list = (rs: readonly RunSummary[]) => rs.map(pct).join(', ');
  let text: string;
  if (met.length === 0 && missed.length === 0) text = `${head}: no payments of this class in any run.`;
  else if (missed.length === 0)
    text = `${head}: met by every run (lowest ${percent(Math.min(...met.map(share)))} within the deadline).`;
  else if (met.length === 0)
    text = `${head}: no run met it; closest ${pct(missed[0]!)}, target ${percent(target)}.`;
  else if (met.length >= missed.length)
    text = `${head}: met by ${met.length} of ${met.length + missed.length} runs; missed by ${list(missed)}.`;
  else text = `${head}: met only by ${list(met)}; the other ${missed.length} runs missed it.`;
  return {
    category: c,
    deadlineMs: info.deadlineMs,
    metBy: met.map((r) => r.label),
    missedBy: missed.map((r) => r.label),
    text,
  };
}

function pickBest(runs: readonly RunSummary[]): RunSummary | null {
  const metCount = (r: RunSummary) => CATEGORIES.filter((c) => r.byClass[c].met === true).length;
  return (
    [...runs].sort(
      (a, b) =>
        metCount(b) - metCount(a) || b.successRate - a.successRate || a.latencyMs.p99 - b.latencyMs.p99,
    )[0] ?? null
  );
}

function overall(
  runs: readonly RunSummary[],
  best: RunSummary | null,
  target: number,
  scenarios: number,
): string {
  if (!best) return 'No runs to compare.';
  const classes = CATEGORIES.filter((c) => runs.some((r) => r.byClass[c].met !== null));
  const metOf = (r: RunSummary) => classes.filter((c) => r.byClass[c].met === true);
  const m = metOf(best);
  const parts = [
    `${best.label} did best: it started at least ${percent(target)} of a class's payments within the class deadline for ` +
      `${m.length} of ${classes.length} classes${m.length ? ` (${m.join(', ')})` : ''}, with ` +
      `${percent(best.successRate)} success and p99 ${Math.round(best.latencyMs.p99)} ms.`,
  ];
  const all = runs.filter((r) => metOf(r).length === classes.length && classes.length > 0);
  if (all.length > 1)
    parts.push(`${all.length} runs met every class: ${all.map((r) => r.label).join(', ')}.`);
  const bad = runs.filter((r) => !r.invariantsOk).map((r) => r.label);
  if (bad.length) parts.push(`Invariants failed in ${bad.join(', ')}: treat those figures with suspicion.`);
  if (scenarios > 1) parts.push('These runs come from different scenarios: compare with care.');
  return parts.join(' ');
}

/** "fifo · fixed 50", with the mode when runs of several modes are mixed and #n when still ambiguous. */
function uniqueLabels(results: readonly RunResult[]): string[] {
  const modes = new Set(results.map((r) => r.mode));
  const base = results.map(
    (r) =>
      `${r.strategies.scheduling} · ${r.strategies.batch.policy} ${r.strategies.batch.size}` +
      (modes.size > 1 ? ` (${r.mode})` : ''),
  );
  const seen = new Map<string, number>();
  for (const b of base) seen.set(b, (seen.get(b) ?? 0) + 1);
  const n = new Map<string, number>();
  return base.map((b) => {
    if (seen.get(b)! === 1) return b;
    const k = (n.get(b) ?? 0) + 1;
    n.set(b, k);
    return `${b} #${k}`;
  });
}

function percent(x: number): string {
  return `${(Math.round(x * 1000) / 10).toFixed(1)} %`;
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}

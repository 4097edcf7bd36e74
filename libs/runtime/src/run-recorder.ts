import {
  CATEGORIES,
  CLASS_INFO,
  RESPONSE_CODES,
  isResponseCode,
  type Category,
  type TxnStatus,
} from '../../domain/src';
import type { ClassLatencyStats, CodeCount, RunResult, TimelinePoint } from '../../scenarios/src/result';
import { LatencyHistogram } from './percentiles';

export interface Answer {
  readonly status: TxnStatus;
  readonly code: string | null;
}

export interface RunProgress {
  readonly elapsedSec: number;
  readonly durationSec: number;
  readonly offered: number;
  readonly completed: number;
  readonly succeeded: number;
  /** Phase: offering load, or draining what is still in flight after the curve ended. */
  readonly phase: 'load' | 'drain';
}

interface Bucket {
  offered: number;
  completed: number;
  success: number;
  declined: number;
  /** 99th percentile of the latencies answered in this second (null: none). */
  p99Ms: number | null;
  /** Switch queue depth sampled at the end of the second (null: not sampled). */
  queueDepth: number | null;
  batches: number;
  batchItems: number;
}

/**
 * Counts what a load generator sees, request by request: offered, answered, outcome, latency.
 * Times are ms on the run's clock, relative to the run's start. Latencies go into fixed-size
 * histograms (percentiles within 0.1 %), so memory does not grow with the number of payments.
 */
export class RunRecorder {
  private readonly buckets: Bucket[] = [];
  private readonly byClass = new Map<Category, LatencyHistogram>(
    CATEGORIES.map((c) => [c, new LatencyHistogram()]),
  );
  /** Per class, answers dropped by the switch queue (deadline passed or shed): deadlines missed. */
  private readonly missed = new Map<Category, number>(CATEGORIES.map((c) => [c, 0]));
  private readonly all = new LatencyHistogram();
  /** Latencies of the second `second` (answers come in clock order); its p99 is kept as it ends. */
  private readonly second = new LatencyHistogram();
  private secondAt = -1;
  private readonly byStatus: Record<TxnStatus, number> = { SUCCESS: 0, DECLINED: 0, DEEMED: 0, PENDING: 0 };
  private readonly byCode = new Map<string, number>();
  offered = 0;
  completed = 0;
  /** Requests the PSP refused as malformed (4xx); a generator bug if non-zero. */
  rejected = 0;
  /** True once the switch stage was observed (embedded, simulated): the timeline then carries it. */
  private stageSeen = false;

  constructor(
    private readonly listener?: (
      offeredAtMs: number,
      answeredAtMs: number,
      category: Category,
      a: Answer,
    ) => void,
  ) {}

  get succeeded(): number {
    return this.byStatus.SUCCESS + this.byStatus.DEEMED;
  }

  /** What a progress bar shows at `elapsedMs` into the run. */
  progress(phase: RunProgress['phase'], elapsedMs: number, durationSec: number): RunProgress {
    const { offered, completed, succeeded } = this;
    return { elapsedSec: elapsedMs / 1000, durationSec, offered, completed, succeeded, phase };
  }

  offer(atMs: number): void {
    this.offered++;
    this.bucket(atMs).offered++;
  }

  /** A final answer to a request offered at `offeredAtMs`. PENDING answers are recorded with `pending`. */
  answer(offeredAtMs: number, answeredAtMs: number, category: Category, a: Answer): void {
    const latency = answeredAtMs - offeredAtMs;
    this.completed++;
    this.byStatus[a.status]++;
    if (a.code !== null) this.byCode.set(a.code, (this.byCode.get(a.code) ?? 0) + 1);
    const b = this.bucket(answeredAtMs);
    b.completed++;
    if (a.status === 'SUCCESS' || a.status === 'DEEMED') b.success++;
    else if (a.status === 'DECLINED') b.declined++;
    // Answers come in clock order; one that would not joins the second being recorded.
    const t = Math.max(0, Math.floor(answeredAtMs / 1000));
    if (t > this.secondAt) {
      this.closeSecond();
      this.secondAt = t;
    }
    this.second.record(latency);
    this.all.record(latency);
    this.byClass.get(category)!.record(latency);
    if (a.code === 'QD' || a.code === 'QS') this.missed.set(category, this.missed.get(category)! + 1);
    this.listener?.(offeredAtMs, answeredAtMs, category, a);
  }

  /** The switch queue's depth at `atMs` (the last sample of a second is the one kept). */
  queueDepth(atMs: number, depth: number): void {
    this.stageSeen = true;
    this.bucket(atMs).queueDepth = depth;
  }

  /** The switch stage served a batch of `size` at `atMs`. */
  batchServed(atMs: number, size: number): void {
    this.stageSeen = true;
    const b = this.bucket(atMs);
    b.batches++;
    b.batchItems += size;
  }

  /** A request still without an outcome when the run ended. */
  pending(): void {
    this.byStatus.PENDING++;
  }

  reject(): void {
    this.rejected++;
  }

  summary(
    durationSec: number,
  ): Pick<RunResult, 'offered' | 'completed' | 'outcomes' | 'latencyMs' | 'throughputTps' | 'timeline'> {
    const byCode: Record<string, CodeCount> = {};
    let technicalDeclines = 0;
    let businessDeclines = 0;
    for (const [code, count] of [...this.byCode].sort(([a], [b]) => a.localeCompare(b))) {
      const kind = isResponseCode(code) ? RESPONSE_CODES[code].kind : null;
      byCode[code] = { count, kind };
      if (kind === 'TD') technicalDeclines += count;
      if (kind === 'BD') businessDeclines += count;
    }
    this.closeSecond();
    const byClass = {} as Record<Category, ClassLatencyStats>;
    for (const c of CATEGORIES) {
      const xs = this.byClass.get(c)!;
      const deadlineMs = CLASS_INFO[c].deadlineMs;
      // The deadline is the switch's queueing budget: its stage starts a payment within it or drops it.
      const within = xs.count - this.missed.get(c)!;
      byClass[c] = {
        ...xs.summary(),
        deadlineMs,
        withinDeadlineShare: xs.count ? round4(within / xs.count) : null,
      };
    }
    const timeline: TimelinePoint[] = this.buckets.map((b, t) => ({
      t,
      offered: b?.offered ?? 0,
      completed: b?.completed ?? 0,
      success: b?.success ?? 0,
      declined: b?.declined ?? 0,
      p99Ms: b?.p99Ms ?? null,
      ...(this.stageSeen
        ? {
            queueDepth: b.queueDepth,
            batches: b.batches,
            meanBatchSize: b.batches ? Math.round((b.batchItems / b.batches) * 100) / 100 : null,
          }
        : {}),
    }));
    return {
      offered: this.offered,
      completed: this.completed,
      outcomes: { byStatus: { ...this.byStatus }, byCode, technicalDeclines, businessDeclines },
      latencyMs: { overall: this.all.summary(), byClass },
      throughputTps: durationSec > 0 ? Math.round((this.completed / durationSec) * 100) / 100 : 0,
      timeline,
    };
  }

  /** Keeps the p99 of the second being recorded (idempotent: the histogram is emptied). */
  private closeSecond(): void {
    if (this.second.count === 0) return;
    this.bucket(this.secondAt * 1000).p99Ms = this.second.percentile(0.99);
    this.second.reset();
  }

  private bucket(atMs: number): Bucket {
    const t = Math.max(0, Math.floor(atMs / 1000));
    for (let i = this.buckets.length; i <= t; i++)
      this.buckets.push({
        offered: 0,
        completed: 0,
        success: 0,
        declined: 0,
        p99Ms: null,
        queueDepth: null,
        batches: 0,
        batchItems: 0,
      });
    return this.buckets[t]!;
  }
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}

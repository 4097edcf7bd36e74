import { isCategory, type Category } from '../../domain/src';
import { Deque } from '../../collections/src';
import {
  CLASS_ORDER,
  assertFinitePositive,
  assertPositiveInt,
  classIndex,
  defaultDeadlines,
  isStrategyName,
  perClass,
  type ItemMeta,
  type PerClass,
  type StrategyName,
} from './types';

export interface SchedulerOptions {
  /** Bound on queued items; an offer beyond it sheds (see `offer`). Default 10,000. */
  readonly maxQueue?: number;
  /** Per-class queueing deadline in ms; defaults to CLASS_INFO (100/200/500/1000/2000). */
  readonly deadlinesMs?: Partial<PerClass<number>>;
  /** weighted-fair only: share per class (deficit round robin quantum). Default 16/8/4/2/1. */
  readonly weights?: Partial<PerClass<number>>;
}

export const DEFAULT_MAX_QUEUE = 10_000;
export const DEFAULT_WEIGHTS: Readonly<PerClass<number>> = {
  MEDICAL: 16,
  SALARY: 8,
  BILL: 4,
  P2P: 2,
  P2M: 1,
};

export interface OfferResult<T> {
  /** False when the newcomer itself was refused (queue full and nothing lower to shed). */
  readonly admitted: boolean;
  /** Items already queued that were evicted to make room for the newcomer (never the newcomer itself). */
  readonly shed: T[];
}

export interface TakeResult<T> {
  readonly batch: T[];
  /** Items whose deadline falls before `at`: dropped, never in a batch. */
  readonly expired: T[];
}

export interface Scheduler<T> {
  readonly strategy: StrategyName;
  readonly maxQueue: number;
  offer(item: T, meta: ItemMeta, now: number): OfferResult<T>;
  /**
   * Up to `max` items in the strategy's order. `at` is the instant the batch will have been served
   * (the host passes now + service time): an item whose deadline is before `at` cannot make it, so
   * it is returned in `expired` instead.
   */
  take(max: number, at: number): TakeResult<T>;
  /** Drops (and returns) every item whose deadline is before `at`, without taking anything. */
  expire(at: number): T[];
  readonly size: number;
  sizeByClass(): PerClass<number>;
  /** Age of the oldest queued item; 0 when empty. */
  oldestAgeMs(now: number): number;
  /** Earliest deadline among queued items, or null when empty. */
  nextDeadline(): number | null;
  /**
   * Tells the scheduler how fast the host drains it (items/s at full batches) and how long a batch
   * takes once taken. EDF uses it to shed lower classes that stand in a newcomer's way (see README);
   * the others ignore it. The SwitchStage calls it.
   */
  setDrainModel(model: DrainModel | null): void;
}

export interface DrainModel {
  readonly perSec: number;
  readonly serviceMs: number;
}

interface Entry<T> {
  readonly item: T;
  readonly seq: number;
  readonly enqueuedAt: number;
  readonly deadlineAt: number;
}

/**
 * Every strategy keeps one FIFO per class. A class's deadline is a constant offset from its
 * enqueue time, and enqueue times never go backwards, so each FIFO is also in deadline order:
 * expired items are always at the heads, and each strategy only chooses which head goes next
 * (O(number of classes) = O(1) per item).
 */
abstract class ClassQueues<T> implements Scheduler<T> {
  abstract readonly strategy: StrategyName;
  readonly maxQueue: number;
  protected readonly queues: Deque<Entry<T>>[] = CLASS_ORDER.map(() => new Deque<Entry<T>>());
  private readonly deadlines: number[];
  private seq = 0;
  private lastNow = -Infinity;
  private count = 0;

  constructor(opts: SchedulerOptions) {
    this.maxQueue = opts.maxQueue ?? DEFAULT_MAX_QUEUE;
    assertPositiveInt('maxQueue', this.maxQueue);
    const d = { ...defaultDeadlines(), ...(opts.deadlinesMs ?? {}) };
    for (const c of CLASS_ORDER) assertFinitePositive(`deadlinesMs.${c}`, d[c]);
    this.deadlines = CLASS_ORDER.map((c) => d[c]);
  }

  get size(): number {
    return this.count;
  }

  offer(item: T, meta: ItemMeta, now: number): OfferResult<T> {
    if (!isCategory(meta?.category)) throw new Error(`unknown category ${String(meta?.category)}`);
    const ci = classIndex(meta.category);
    if (!Number.isFinite(now)) throw new Error(`offer: now must be finite, got ${String(now)}`);
    // A clock that steps back would break per-class deadline order; treat it as standing still.
    const t = Math.max(now, this.lastNow);
    this.lastNow = t;
    const shed: T[] = [];
    if (this.count >= this.maxQueue) {
      const victim = this.shedFor(ci);
      if (victim === null) return { admitted: false, shed };
      shed.push(victim);
    }
    const deadlineAt = t + this.deadlines[ci]!;
    this.makeWay(ci, deadlineAt, t, shed);
    this.queues[ci]!.push({ item, seq: this.seq++, enqueuedAt: t, deadlineAt });
    this.count++;
    return { admitted: true, shed };
  }

  /** Hook for overload shedding beyond the queue bound; pushes evicted items to `shed`. */
  protected makeWay(_ci: number, _deadlineAt: number, _now: number, _shed: T[]): void {}

  protected evictFront(c: number): T {
    this.count--;
    return this.queues[c]!.popFront()!.item;
  }

  /**
   * Makes room for a newcomer of class index `ci`: evicts the OLDEST item of the lowest queued
   * class at or below the newcomer's, or returns null (refuse the newcomer) when everything queued
   * ranks above it. Oldest, because it has the least of its deadline left: it is the likeliest to
   * expire anyway, and keeping it would put it at the head of EDF, ahead of higher classes.
   */
  protected shedFor(ci: number): T | null {
    for (let c = this.queues.length - 1; c >= ci; c--) {
      const q = this.queues[c]!;
      if (q.length > 0) return this.evictFront(c);
    }
    return null;
  }

  take(max: number, at: number): TakeResult<T> {
    if (!(max >= 0)) throw new Error(`take: max must be >= 0, got ${String(max)}`);
    const expired = this.expire(at);
    const batch: T[] = [];
    while (batch.length < max && this.count > 0) {
      const c = this.pick();
      const e = this.queues[c]!.popFront()!;
      this.count--;
      batch.push(e.item);
    }
    return { batch, expired };
  }

  expire(at: number): T[] {
    const out: T[] = [];
    if (this.count === 0) return out;
    for (const q of this.queues) {
      for (let e = q.peekFront(); e !== undefined && e.deadlineAt < at; e = q.peekFront()) {
        q.popFront();
        this.count--;
        out.push(e.item);
      }
    }
    return out;
  }

  protected drain: DrainModel | null = null;

  setDrainModel(model: DrainModel | null): void {
    if (model !== null) {
      assertFinitePositive('drain.perSec', model.perSec);
      if (!(model.serviceMs >= 0))
        throw new Error(`drain.serviceMs must be >= 0, got ${String(model.serviceMs)}`);
    }
    this.drain = model;
  }

  /** Index of the class whose head goes next; called only when some queue is non-empty. */
  protected abstract pick(): number;

  sizeByClass(): PerClass<number> {
    return perClass((c: Category) => this.queues[classIndex(c)]!.length);
  }

  oldestAgeMs(now: number): number {
    let oldest = Infinity;
    for (const q of this.queues) {
      const e = q.peekFront();
      if (e && e.enqueuedAt < oldest) oldest = e.enqueuedAt;
    }
    return oldest === Infinity ? 0 : Math.max(0, now - oldest);
  }

  nextDeadline(): number | null {
    let d = Infinity;
    for (const q of this.queues) {
      const e = q.peekFront();
      if (e && e.deadlineAt < d) d = e.deadlineAt;
    }
    return d === Infinity ? null : d;
  }

  /** Head with the smallest key (ties to the earlier arrival). */
  protected minHead(key: (e: Entry<T>) => number): number {
    let best = -1;
    let bestKey = Infinity;
    let bestSeq = Infinity;
    for (let c = 0; c < this.queues.length; c++) {
      const e = this.queues[c]!.peekFront();
      if (!e) continue;
      const k = key(e);
      if (k < bestKey || (k === bestKey && e.seq < bestSeq)) {
        best = c;
        bestKey = k;
        bestSeq = e.seq;
      }
    }
    return best;
  }
}

/** Arrival order across all classes; a full queue refuses the newcomer (fifo knows no class). */
class FifoScheduler<T> extends ClassQueues<T> {
  readonly strategy = 'fifo' as const;
  protected override shedFor(): T | null {
    return null;
  }
  protected pick(): number {
    return this.minHead((e) => e.seq);
  }
}

/** The highest non-empty class always goes first. */
class StrictPriorityScheduler<T> extends ClassQueues<T> {
  readonly strategy = 'strict-priority' as const;
  protected pick(): number {
    for (let c = 0; c < this.queues.length; c++) if (this.queues[c]!.length > 0) return c;
    throw new Error('pick on an empty scheduler');
  }
}

/**
 * The queued item with the earliest deadline goes first. Plain EDF collapses under overload: old
 * low-class items reach the head just before their deadlines and crowd out the classes with short
 * ones, so every class misses alike. With a drain model, a newcomer that could not be served in
 * time behind the items due before it makes way: lower-class items due before it are shed, oldest
 * of the lowest class first, until it fits (or none is left; then it queues and may expire).
 */
class EdfScheduler<T> extends ClassQueues<T> {
  readonly strategy = 'earliest-deadline-first' as const;
  protected pick(): number {
    return this.minHead((e) => e.deadlineAt);
  }

  protected override makeWay(ci: number, deadlineAt: number, now: number, shed: T[]): void {
    const drain = this.drain;
    if (drain === null) return;
    const budget = ((deadlineAt - now - drain.serviceMs) * drain.perSec) / 1000;
    let ahead = 0;
    for (const q of this.queues) ahead += dueBy(q, deadlineAt);
    for (let c = this.queues.length - 1; c > ci && ahead > budget; c--) {
      const q = this.queues[c]!;
      for (
        let e = q.peekFront();
        e !== undefined && e.deadlineAt <= deadlineAt && ahead > budget;
        e = q.peekFront()
      ) {
        shed.push(this.evictFront(c));
        ahead--;
      }
    }
  }
}

/** How many entries of a deadline-ordered class queue are due by `d` (binary search). */
function dueBy<T>(q: Deque<Entry<T>>, d: number): number {
  let lo = 0;
  let hi = q.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (q.at(mid)!.deadlineAt <= d) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Deficit round robin over the classes: each visit adds the class's weight to its deficit, and it
 * sends one item per unit of deficit. An empty class forfeits its deficit, so an idle class does
 * not bank credit. Under saturation the shares converge to the weights.
 */
class WeightedFairScheduler<T> extends ClassQueues<T> {
  readonly strategy = 'weighted-fair' as const;
  private readonly weights: number[];
  private readonly deficit: number[];
  private cur = 0;

  constructor(opts: SchedulerOptions) {
    super(opts);
    const w = { ...DEFAULT_WEIGHTS, ...(opts.weights ?? {}) };
    for (const c of CLASS_ORDER) assertFinitePositive(`weights.${c}`, w[c]);
    this.weights = CLASS_ORDER.map((c) => w[c]);
    this.deficit = CLASS_ORDER.map(() => 0);
    this.deficit[0] = this.weights[0]!;
  }

  protected pick(): number {
    // Terminates: some queue is non-empty and each full round adds weight > 0 to its deficit.
    for (;;) {
      const q = this.queues[this.cur]!;
      if (q.length === 0) {
        this.deficit[this.cur] = 0;
      } else if (this.deficit[this.cur]! >= 1) {
        this.deficit[this.cur]! -= 1;
        return this.cur;
      }
      this.cur = (this.cur + 1) % this.queues.length;
      this.deficit[this.cur]! += this.weights[this.cur]!;
    }
  }
}

export function createScheduler<T>(strategy: StrategyName, opts: SchedulerOptions = {}): Scheduler<T> {
  switch (strategy) {
    case 'fifo':
      return new FifoScheduler<T>(opts);
    case 'strict-priority':
      return new StrictPriorityScheduler<T>(opts);
    case 'weighted-fair':
      return new WeightedFairScheduler<T>(opts);
    case 'earliest-deadline-first':
      return new EdfScheduler<T>(opts);
    default:
      if (!isStrategyName(strategy)) throw new Error(`unknown scheduling strategy ${String(strategy)}`);
      throw new Error(`unhandled scheduling strategy ${String(strategy)}`);
  }
}

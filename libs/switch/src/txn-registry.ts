import type { DeclineKind, ReqPay, ResponseCode, TxnStatus } from '../../domain/src';

/** What the switch knows of one payment: deduplicates ReqPay by txnId and answers status checks. */
export interface TxnEntry {
  readonly req: ReqPay;
  status: TxnStatus;
  code: ResponseCode | null;
  decline: DeclineKind | null;
  /** For deemed-approved payments: how the beneficiary finally settled it. */
  resolution: 'TCC' | 'RET' | null;
}

/** Final for good: answered, and a deemed payment's credit settled (TCC) or returned (RET). */
export function isSettled(e: TxnEntry): boolean {
  return (
    e.status === 'SUCCESS' || e.status === 'DECLINED' || (e.status === 'DEEMED' && e.resolution !== null)
  );
}

/** When and how settled payments leave a registry (see `TxnRegistry.evict`). */
export interface EvictionRule {
  /** Payments created at or before this time (run-clock ms) are examined. */
  readonly cutoffMs: number;
  /** Now (run-clock ms). */
  readonly nowMs: number;
  /** How long a payment stays after it is first found evictable (late copies of its messages land meanwhile). */
  readonly coolMs: number;
  /** Keeps a settled payment anyway (e.g. coordinator work or a reply still owed); asked again later. */
  readonly keep?: (e: TxnEntry) => boolean;
}

export class TxnRegistry {
  private readonly entries = new Map<string, TxnEntry>();
  /**
   * Registration order, for picking the i-th payment (status-check storms replay old ones). Entries
   * before `head` have left it for `stragglers`, `cooling` or eviction; it is compacted as it drains.
   */
  private order: TxnEntry[] = [];
  private head = 0;
  /** Old enough but not evictable yet (not settled, or kept): examined again on every eviction. */
  private stragglers: TxnEntry[] = [];
  /** Evictable since `coolingSince[i]`: leave once they have cooled for `coolMs`. */
  private cooling: TxnEntry[] = [];
  private coolingSince: number[] = [];
  private coolHead = 0;
  /** Payments evicted so far. */
  evicted = 0;

  get(txnId: string): TxnEntry | undefined {
    return this.entries.get(txnId);
  }

  /** Registers a new payment; returns false when the txnId is already known (a duplicate ReqPay). */
  register(req: ReqPay): boolean {
    if (this.entries.has(req.txnId)) return false;
    const e: TxnEntry = { req, status: 'PENDING', code: null, decline: null, resolution: null };
    this.entries.set(req.txnId, e);
    this.order.push(e);
    return true;
  }

  /**
   * A copy whose entries are new objects: a Raft leader works on its own copy of the replicated
   * registry, which changes only when entries commit.
   */
  copy(): TxnRegistry {
    const c = new TxnRegistry();
    for (let i = 0; i < this.size; i++) {
      const x: TxnEntry = { ...this.at(i)! };
      c.entries.set(x.req.txnId, x);
      c.order.push(x);
    }
    c.evicted = this.evicted;
    return c;
  }

  /** The i-th payment still held: in registration order, then the old ones waiting to leave. */
  at(i: number): TxnEntry | undefined {
    const inOrder = this.order.length - this.head;
    if (i < inOrder) return this.order[this.head + i];
    i -= inOrder;
    if (i < this.stragglers.length) return this.stragglers[i];
    return this.cooling[this.coolHead + i - this.stragglers.length];
  }

  /** Payments held (registered and not evicted). */
  get size(): number {
    return this.entries.size;
  }

  values(): IterableIterator<TxnEntry> {
    return this.entries.values();
  }

  /**
   * Drops settled payments created at or before `rule.cutoffMs` once they have cooled for
   * `rule.coolMs` (and `rule.keep` lets them go), handing each to `sink` first; returns how many.
   * Amortised O(1) per payment: the scan stops at the first payment inside the window (registration
   * follows creation closely), and old ones not yet evictable wait in a side list instead of
   * blocking the ones behind them.
   */
  evict(rule: EvictionRule, sink: (e: TxnEntry) => void): number {
    const evictable = (e: TxnEntry) => isSettled(e) && !rule.keep?.(e);
    const cool = (e: TxnEntry) => {
      this.cooling.push(e);
      this.coolingSince.push(rule.nowMs);
    };
    if (this.stragglers.length) {
      const still: TxnEntry[] = [];
      for (const e of this.stragglers) {
        if (evictable(e)) cool(e);
        else still.push(e);
      }
      this.stragglers = still;
    }
    while (this.head < this.order.length) {
      const e = this.order[this.head]!;
      if (e.req.createdAt > rule.cutoffMs) break;
      this.head++;
      if (evictable(e)) cool(e);
      else this.stragglers.push(e);
    }
    let n = 0;
    while (
      this.coolHead < this.cooling.length &&
      this.coolingSince[this.coolHead]! <= rule.nowMs - rule.coolMs
    ) {
      const e = this.cooling[this.coolHead++]!;
      // Settled stays settled, but what `keep` guards may have started again.
      if (!evictable(e)) {
        this.stragglers.push(e);
        continue;
      }
      this.entries.delete(e.req.txnId);
      sink(e);
      n++;
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    if (this.coolHead > 1024 && this.coolHead * 2 > this.cooling.length) {
      this.cooling = this.cooling.slice(this.coolHead);
      this.coolingSince = this.coolingSince.slice(this.coolHead);
      this.coolHead = 0;
    }
    this.evicted += n;
    return n;
  }
}

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

export class TxnRegistry {
  private readonly entries = new Map<string, TxnEntry>();
  /** Registration order, for picking the i-th payment (status-check storms replay old ones). */
  private readonly order: TxnEntry[] = [];

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
    for (const e of this.order) {
      const x: TxnEntry = { ...e };
      c.entries.set(x.req.txnId, x);
      c.order.push(x);
    }
    return c;
  }

  /** The i-th registered payment. */
  at(i: number): TxnEntry | undefined {
    return this.order[i];
  }

  get size(): number {
    return this.entries.size;
  }

  values(): IterableIterator<TxnEntry> {
    return this.entries.values();
  }
}

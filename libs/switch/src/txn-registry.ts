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

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

  get(txnId: string): TxnEntry | undefined {
    return this.entries.get(txnId);
  }

  /** Registers a new payment; returns false when the txnId is already known (a duplicate ReqPay). */
  register(req: ReqPay): boolean {
    if (this.entries.has(req.txnId)) return false;
    this.entries.set(req.txnId, { req, status: 'PENDING', code: null, decline: null, resolution: null });
    return true;
  }

  get size(): number {
    return this.entries.size;
  }

  values(): IterableIterator<TxnEntry> {
    return this.entries.values();
  }
}

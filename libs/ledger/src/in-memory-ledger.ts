import type { Paise } from '../../domain/src';
import type {
  AccountOpening,
  AccountView,
  BankTotals,
  LedgerOp,
  LedgerOpResult,
  LedgerStore,
  LedgerSummary,
  RecordState,
} from './ledger-store';
import { LedgerInputError, validateOpenings, validateOps } from './validate';

interface Totals {
  accounts: number;
  availablePaise: Paise;
  heldPaise: Paise;
}

interface Account {
  readonly account: string;
  readonly bank: string;
  readonly vpa: string;
  available: Paise;
  held: Paise;
  /** The account's bank totals, kept alongside so a move updates them without a lookup. */
  readonly bankTotals: Totals;
}

type DebitState = 'HELD' | 'CAPTURED' | 'RELEASED' | 'DEBITED' | 'REVERSED' | 'DECLINED';

interface DebitRecord {
  state: DebitState;
  /** Held or debited amount; 0 for declines and tombstones. */
  amount: Paise;
  /** Where the money sits; null for a tombstone, which never moves any. */
  readonly acct: Account | null;
}

// Results are shared frozen constants: the hot path allocates nothing per op but the record itself.
const result = (outcome: LedgerOpResult['outcome'], replay: boolean): LedgerOpResult =>
  Object.freeze({ outcome, replay });
const OK = result('OK', false);
const OK_REPLAY = result('OK', true);
const INSUFFICIENT = result('INSUFFICIENT_FUNDS', false);
const INSUFFICIENT_REPLAY = result('INSUFFICIENT_FUNDS', true);
const NO_ACCOUNT = result('NO_ACCOUNT', false);
const REFUSED = result('REFUSED', false);

/**
 * The LedgerStore of the embedded and simulated modes: plain maps, O(1) per operation, running
 * totals so `summary()` never scans. Implements the transition table documented in ledger-store.ts.
 * A recorded (txnId, side) is answered from its record before the account is looked up, so the
 * answer for a (txnId, side) never depends on anything but its record.
 */
export class InMemoryLedger implements LedgerStore {
  private readonly byId = new Map<string, Account>();
  private readonly byBank = new Map<string, Account[]>();
  private readonly bankTotals = new Map<string, Totals>();
  private readonly debits = new Map<string, DebitRecord>();
  /** Credit side has one recorded state (CREDITED), so a set of txnIds is the whole record. */
  private readonly credits = new Set<string>();
  private opening: Paise = 0;
  private available: Paise = 0;
  private held: Paise = 0;

  open(accounts: readonly AccountOpening[]): Promise<void> {
    try {
      validateOpenings(accounts);
      for (const a of accounts) {
        if (this.byId.has(a.account)) throw new LedgerInputError(`account ${a.account} already exists`);
      }
    } catch (e) {
      return Promise.reject(e);
    }
    for (const a of accounts) {
      let totals = this.bankTotals.get(a.bank);
      if (!totals) {
        totals = { accounts: 0, availablePaise: 0, heldPaise: 0 };
        this.bankTotals.set(a.bank, totals);
        this.byBank.set(a.bank, []);
      }
      const acct: Account = {
        account: a.account,
        bank: a.bank,
        vpa: a.vpa,
        available: a.balancePaise,
        held: 0,
        bankTotals: totals,
      };
      this.byId.set(a.account, acct);
      this.byBank.get(a.bank)!.push(acct);
      totals.accounts++;
      totals.availablePaise += a.balancePaise;
      this.opening += a.balancePaise;
      this.available += a.balancePaise;
    }
    return Promise.resolve();
  }

  apply(ops: readonly LedgerOp[]): Promise<LedgerOpResult[]> {
    try {
      validateOps(ops);
    } catch (e) {
      return Promise.reject(e);
    }
    const results = new Array<LedgerOpResult>(ops.length);
    for (let i = 0; i < ops.length; i++) results[i] = this.applyOne(ops[i]!);
    return Promise.resolve(results);
  }

  account(account: string): Promise<AccountView | null> {
    const acct = this.byId.get(account);
    return Promise.resolve(acct ? view(acct) : null);
  }

  accounts(filter: { bank?: string; limit?: number }): Promise<AccountView[]> {
    const limit = filter?.limit;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
      return Promise.reject(
        new LedgerInputError(`limit must be a non-negative integer, got ${String(limit)}`),
      );
    }
    // Map iteration follows insertion, which is opening order; a bank's list is kept in the same order.
    const source: Iterable<Account> =
      filter?.bank === undefined ? this.byId.values() : (this.byBank.get(filter.bank) ?? []);
    const max = limit ?? Infinity;
    const out: AccountView[] = [];
    if (max === 0) return Promise.resolve(out);
    for (const acct of source) {
      out.push(view(acct));
      if (out.length >= max) break;
    }
    return Promise.resolve(out);
  }

  record(txnId: string, side: 'DEBIT' | 'CREDIT'): Promise<RecordState> {
    if (side === 'CREDIT') return Promise.resolve(this.credits.has(txnId) ? 'CREDITED' : 'NONE');
    return Promise.resolve(this.debits.get(txnId)?.state ?? 'NONE');
  }

  /**
   * Drops a txn's records and returns what they were ([debit side, credit side]). Only for a txn
   * that can receive no more operations: its records are the guard that a retried op never moves
   * money twice, so the caller (the embedded run's eviction, libs/runtime/src/retention.ts) must
   * make sure no request for it can still arrive. Balances are unaffected.
   */
  forget(txnId: string): readonly [RecordState, RecordState] {
    const debit = this.debits.get(txnId)?.state ?? 'NONE';
    const credit: RecordState = this.credits.delete(txnId) ? 'CREDITED' : 'NONE';
    this.debits.delete(txnId);
    return [debit, credit];
  }

  /** Txns with records held (either side). */
  get recordCount(): number {
    return this.debits.size + this.credits.size;
  }

  summary(): Promise<LedgerSummary> {
    const perBank: Record<string, BankTotals> = {};
    for (const [bank, t] of this.bankTotals) {
      perBank[bank] = { accounts: t.accounts, availablePaise: t.availablePaise, heldPaise: t.heldPaise };
    }
    return Promise.resolve({
      openingPaise: this.opening,
      availablePaise: this.available,
      heldPaise: this.held,
      accounts: this.byId.size,
      perBank,
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private applyOne(op: LedgerOp): LedgerOpResult {
    switch (op.kind) {
      case 'CHECK':
        return this.byId.has(op.account) ? OK : NO_ACCOUNT;
      case 'CREDIT': {
        if (this.credits.has(op.txnId)) return OK_REPLAY;
        const acct = this.byId.get(op.account);
        if (!acct) return NO_ACCOUNT;
        this.credits.add(op.txnId);
        this.moveAvailable(acct, op.amountPaise);
        return OK;
      }
      case 'HOLD':
        return this.hold(op);
      case 'DEBIT':
        return this.debit(op);
      case 'CAPTURE':
        return this.capture(op);
      case 'RELEASE':
        return this.release(op);
      case 'REVERSE_DEBIT':
        return this.reverse(op);
    }
  }

  private hold(op: LedgerOp): LedgerOpResult {
    const rec = this.debits.get(op.txnId);
    if (rec) {
      if (rec.state === 'HELD' || rec.state === 'CAPTURED') return OK_REPLAY;
      return rec.state === 'DECLINED' ? INSUFFICIENT_REPLAY : REFUSED;
    }
    const acct = this.byId.get(op.account);
    if (!acct) return NO_ACCOUNT;
    const a = op.amountPaise;
    if (acct.available < a) return this.decline(op.txnId, acct);
    this.debits.set(op.txnId, { state: 'HELD', amount: a, acct });
    acct.available -= a;
    acct.held += a;
    acct.bankTotals.availablePaise -= a;
    acct.bankTotals.heldPaise += a;
    this.available -= a;
    this.held += a;
    return OK;
  }

  private debit(op: LedgerOp): LedgerOpResult {
    const rec = this.debits.get(op.txnId);
    if (rec) {
      if (rec.state === 'DEBITED') return OK_REPLAY;
      return rec.state === 'DECLINED' ? INSUFFICIENT_REPLAY : REFUSED;
    }
    const acct = this.byId.get(op.account);
    if (!acct) return NO_ACCOUNT;
    const a = op.amountPaise;
    if (acct.available < a) return this.decline(op.txnId, acct);
    this.debits.set(op.txnId, { state: 'DEBITED', amount: a, acct });
    this.moveAvailable(acct, -a);
    return OK;
  }

  private capture(op: LedgerOp): LedgerOpResult {
    const rec = this.debits.get(op.txnId);
    if (!rec) return REFUSED;
    if (rec.state === 'CAPTURED') return OK_REPLAY;
    if (rec.state !== 'HELD') return REFUSED;
    // The held amount leaves the ledger (it is now owed to the payee's bank).
    const acct = rec.acct!;
    const a = rec.amount;
    rec.state = 'CAPTURED';
    acct.held -= a;
    acct.bankTotals.heldPaise -= a;
    this.held -= a;
    return OK;
  }

  private release(op: LedgerOp): LedgerOpResult {
    const rec = this.debits.get(op.txnId);
    if (!rec) {
      // Abort before (or instead of) the prepare: the tombstone refuses a late HOLD.
      this.debits.set(op.txnId, { state: 'RELEASED', amount: 0, acct: null });
      return OK;
    }
    switch (rec.state) {
      case 'RELEASED':
        return OK_REPLAY;
      case 'DECLINED':
        rec.state = 'RELEASED';
        return OK;
      case 'HELD': {
        const acct = rec.acct!;
        const a = rec.amount;
        rec.state = 'RELEASED';
        acct.held -= a;
        acct.available += a;
        acct.bankTotals.heldPaise -= a;
        acct.bankTotals.availablePaise += a;
        this.held -= a;
        this.available += a;
        return OK;
      }
      default:
        return REFUSED;
    }
  }

  private reverse(op: LedgerOp): LedgerOpResult {
    const rec = this.debits.get(op.txnId);
    if (!rec) {
      // Reversal before (or instead of) the debit: the tombstone refuses a late DEBIT.
      this.debits.set(op.txnId, { state: 'REVERSED', amount: 0, acct: null });
      return OK;
    }
    switch (rec.state) {
      case 'REVERSED':
        return OK_REPLAY;
      case 'DECLINED':
        rec.state = 'REVERSED';
        return OK;
      case 'DEBITED':
        rec.state = 'REVERSED';
        this.moveAvailable(rec.acct!, rec.amount);
        return OK;
      default:
        return REFUSED;
    }
  }

  private decline(txnId: string, acct: Account): LedgerOpResult {
    this.debits.set(txnId, { state: 'DECLINED', amount: 0, acct });
    return INSUFFICIENT;
  }

  private moveAvailable(acct: Account, delta: Paise): void {
    acct.available += delta;
    acct.bankTotals.availablePaise += delta;
    this.available += delta;
  }
}

function view(a: Account): AccountView {
  return { account: a.account, bank: a.bank, vpa: a.vpa, availablePaise: a.available, heldPaise: a.held };
}

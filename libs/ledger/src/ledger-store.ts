import type { Paise } from '../../domain/src';

/**
 * A bank's ledger. Every operation is idempotent by (txnId, side): the first answer is recorded and
 * a repeat returns it again (`replay: true`) without moving money. Each account has an available
 * balance and held funds; money is conserved as available + held across all accounts, and neither
 * may ever go negative.
 *
 * Per (txnId, side) record states and transitions (anything not listed answers REFUSED and changes nothing):
 *
 *  Debit side (payer's account)
 *   HOLD          NONE → HELD (available -= a, held += a) | NONE → DECLINED (INSUFFICIENT_FUNDS, recorded)
 *                 HELD, CAPTURED → replay OK · DECLINED → replay its decline · RELEASED → REFUSED (tombstone)
 *   CAPTURE       HELD → CAPTURED (held -= a) · CAPTURED → replay OK
 *   RELEASE       HELD → RELEASED (held -= a, available += a) · NONE, DECLINED → RELEASED (tombstone, no money)
 *                 RELEASED → replay OK · CAPTURED → REFUSED
 *   DEBIT         NONE → DEBITED (available -= a) | NONE → DECLINED (INSUFFICIENT_FUNDS, recorded)
 *                 DEBITED → replay OK · DECLINED → replay decline · REVERSED → REFUSED (late debit after reversal)
 *   REVERSE_DEBIT DEBITED → REVERSED (available += recorded amount) · NONE, DECLINED → REVERSED (tombstone)
 *                 REVERSED → replay OK
 *  Credit side (payee's account)
 *   CHECK         account exists → OK, else NO_ACCOUNT (records nothing)
 *   CREDIT        NONE → CREDITED (available += a) · CREDITED → replay OK
 *
 * An unknown account answers NO_ACCOUNT (for CHECK, HOLD, DEBIT, CREDIT) without recording anything.
 * The account is looked up only when the (txnId, side) has no record yet: a recorded one is answered
 * from its record. REFUSED has `replay: false`. Bad input (unknown kind, empty txnId or account, an
 * amount for HOLD/DEBIT/CREDIT that is not a positive safe integer) rejects the whole call before any
 * of it is applied.
 */
export type LedgerOpKind = 'HOLD' | 'CAPTURE' | 'RELEASE' | 'DEBIT' | 'REVERSE_DEBIT' | 'CHECK' | 'CREDIT';

export interface LedgerOp {
  readonly kind: LedgerOpKind;
  readonly txnId: string;
  readonly account: string;
  /** Ignored by CAPTURE, RELEASE and REVERSE_DEBIT, which use the recorded amount. */
  readonly amountPaise: Paise;
}

export type LedgerOutcome = 'OK' | 'INSUFFICIENT_FUNDS' | 'NO_ACCOUNT' | 'REFUSED';

export interface LedgerOpResult {
  readonly outcome: LedgerOutcome;
  /** True when this (txnId, side) had already been answered and nothing moved this time. */
  readonly replay: boolean;
}

export type RecordState =
  'NONE' | 'HELD' | 'CAPTURED' | 'RELEASED' | 'DEBITED' | 'REVERSED' | 'DECLINED' | 'CREDITED';

export interface AccountOpening {
  readonly account: string;
  readonly bank: string;
  readonly vpa: string;
  readonly balancePaise: Paise;
}

export interface AccountView {
  readonly account: string;
  readonly bank: string;
  readonly vpa: string;
  readonly availablePaise: Paise;
  readonly heldPaise: Paise;
}

export interface BankTotals {
  readonly accounts: number;
  readonly availablePaise: Paise;
  readonly heldPaise: Paise;
}

export interface LedgerSummary {
  /** Sum of the balances the accounts were opened with. */
  readonly openingPaise: Paise;
  readonly availablePaise: Paise;
  readonly heldPaise: Paise;
  readonly accounts: number;
  readonly perBank: Readonly<Record<string, BankTotals>>;
}

export interface LedgerStore {
  /** Opens accounts; an account that already exists is an error (the run's topology is fixed). */
  open(accounts: readonly AccountOpening[]): Promise<void>;
  /** Applies the operations in order, each atomically; one round trip for the batch where the store allows. */
  apply(ops: readonly LedgerOp[]): Promise<LedgerOpResult[]>;
  account(account: string): Promise<AccountView | null>;
  /** Accounts in opening order, optionally of one bank. */
  accounts(filter: { bank?: string; limit?: number }): Promise<AccountView[]>;
  /** State of a (txnId, side) record: what the invariant checks read. */
  record(txnId: string, side: 'DEBIT' | 'CREDIT'): Promise<RecordState>;
  summary(): Promise<LedgerSummary>;
  close(): Promise<void>;
}

/** Which record an operation touches. */
export function sideOf(kind: LedgerOpKind): 'DEBIT' | 'CREDIT' {
  return kind === 'CHECK' || kind === 'CREDIT' ? 'CREDIT' : 'DEBIT';
}

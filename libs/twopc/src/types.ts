import type { BankReq, DeclineKind, Paise, ResponseCode, TxnStatus } from '../../domain/src';

export type Protocol = 'classic-2pc' | 'upi';

export interface CoordinatorConfig {
  readonly protocol: Protocol;
  /** classic: PREPARE to the debit side; upi: DEBIT to the remitter. */
  readonly debitTimeoutMs: number;
  /** classic: PREPARE to the credit side; upi: CREDIT to the beneficiary (then deemed approved). */
  readonly creditTimeoutMs: number;
  /** Resend interval of phase two (COMMIT/ABORT) and of REVERSAL until acknowledged. */
  readonly retryIntervalMs: number;
  /** upi: resend interval of CREDIT to the beneficiary of a deemed-approved txn. */
  readonly deemedRetryMs: number;
}

export interface TxnSpec {
  readonly txnId: string;
  readonly amountPaise: Paise;
  readonly debit: { readonly bank: string; readonly account: string };
  readonly credit: { readonly bank: string; readonly account: string };
}

/**
 * classic-2pc: COMMIT | ABORT (one record per txn).
 * upi: ABORT (debit declined, nothing to undo) | CREDIT (debit done, credit may be sent) |
 * REVERSE (the debit must be reversed). A upi txn may have several records, in order; the last
 * decision wins and later records add the outcome or resolution that became known.
 */
export type Decision = 'COMMIT' | 'ABORT' | 'CREDIT' | 'REVERSE';

export type OutcomeStatus = Exclude<TxnStatus, 'PENDING'>;

export type Resolution = 'TCC' | 'RET';

export interface DecisionRecord {
  readonly txnId: string;
  readonly decision: Decision;
  readonly spec: TxnSpec;
  /** When the coordinator decided (ms on the run's clock). */
  readonly at: number;
  /** The user-facing answer, once known. It is announced only after this record is durable. */
  readonly outcome?: { readonly status: OutcomeStatus; readonly code: ResponseCode };
  /** upi: how a deemed-approved txn ended. */
  readonly resolution?: Resolution;
}

export interface Outcome {
  readonly txnId: string;
  readonly status: OutcomeStatus;
  readonly code: ResponseCode;
  /** TD/BD of the code (DEEMED 'RB' counts as TD, as NPCI counts it); null for SUCCESS. */
  readonly decline: DeclineKind | null;
}

export interface TimerSet {
  readonly key: string;
  readonly atMs: number;
}

export interface ResolutionNotice {
  readonly txnId: string;
  readonly resolution: Resolution;
}

/** What one input to the coordinator asks its host to do. Arrays may be shared and frozen: read them only. */
export interface Effects {
  /** Requests to banks. */
  readonly send: readonly BankReq[];
  /** Set (or reset) a timer; call `onTimer(key)` when it is due. */
  readonly timers: readonly TimerSet[];
  readonly cancelTimers: readonly string[];
  /** Make these durable (in order), then call `decisionDurable(txnId)` for each. */
  readonly persist: readonly DecisionRecord[];
  /** User-facing answers (once per txn per coordinator; a recovered coordinator repeats durable ones). */
  readonly outcomes: readonly Outcome[];
  /** upi: deemed-approved txns resolved later. */
  readonly resolutions: readonly ResolutionNotice[];
  /** Txns with nothing outstanding any more: the host may forget them. */
  readonly finished: readonly string[];
}

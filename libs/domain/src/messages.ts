import type { Category, Initiation } from './category';
import type { ResponseCode, DeclineKind } from './codes';
import type { Paise } from './money';

/**
 * Messages between the services. They are plain JSON (they cross Kafka in live mode), carry the
 * txnId as correlation key, and every bank operation is idempotent by (txnId, op, side).
 */

export type TxnStatus = 'SUCCESS' | 'DECLINED' | 'DEEMED' | 'PENDING';

/** Payer PSP → switch (UPI `ReqPay` type PAY). */
export interface ReqPay {
  readonly type: 'ReqPay';
  readonly txnId: string;
  readonly pspId: string;
  readonly payerVpa: string;
  readonly payeeVpa: string;
  readonly amountPaise: Paise;
  readonly category: Category;
  readonly initiation: Initiation;
  /** When the PSP accepted the request (ms on the run's clock). */
  readonly createdAt: number;
}

/** Switch → payer PSP (UPI `RespPay`). */
export interface RespPay {
  readonly type: 'RespPay';
  readonly txnId: string;
  readonly status: Exclude<TxnStatus, 'PENDING'>;
  readonly code: ResponseCode;
  readonly decline: DeclineKind | null;
}

/** Which side of the payment a bank operation touches. */
export type Side = 'DEBIT' | 'CREDIT';

/**
 * Bank operations. Classic 2PC: PREPARE (debit side holds funds, credit side checks the account),
 * then COMMIT or ABORT. UPI: DEBIT, CREDIT, and REVERSAL (undo of a debit; on a debit that never
 * happened it leaves a tombstone so a late DEBIT is refused).
 */
export type BankOp = 'PREPARE' | 'COMMIT' | 'ABORT' | 'DEBIT' | 'CREDIT' | 'REVERSAL';

/** Switch → bank (UPI `ReqPay` DEBIT / CREDIT / REVERSAL legs). */
export interface BankReq {
  readonly type: 'BankReq';
  readonly txnId: string;
  readonly op: BankOp;
  readonly side: Side;
  readonly bank: string;
  readonly account: string;
  readonly amountPaise: Paise;
}

/** Bank → switch (UPI `RespPay` leg). `ok` false carries the bank's decline code. */
export interface BankResp {
  readonly type: 'BankResp';
  readonly txnId: string;
  readonly op: BankOp;
  readonly side: Side;
  readonly bank: string;
  readonly ok: boolean;
  readonly code: ResponseCode;
}

/** Status check (UPI `ReqChkTxn`), PSP → switch. */
export interface ReqChkTxn {
  readonly type: 'ReqChkTxn';
  readonly txnId: string;
  readonly pspId: string;
}

export interface RespChkTxn {
  readonly type: 'RespChkTxn';
  readonly txnId: string;
  /** THROTTLED: the check broke NPCI's status-check limits (or was shed) and was not looked up. */
  readonly status: TxnStatus | 'UNKNOWN' | 'THROTTLED';
  readonly code: ResponseCode | null;
  /** Why a THROTTLED check was refused. */
  readonly reason?: string;
}

/**
 * Switch → clearing: a payment that moves money between banks at settlement. PAY for a success
 * (or a deemed approval); RET when a deemed payment is later returned to the payer.
 */
export interface SettlementEntry {
  readonly type: 'SettlementEntry';
  readonly txnId: string;
  readonly kind: 'PAY' | 'RET';
  readonly remitterBank: string;
  readonly beneficiaryBank: string;
  readonly amountPaise: Paise;
  readonly at: number;
}

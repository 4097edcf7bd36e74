import type { BankReq, BankResp, ResponseCode } from '../../domain/src';
import type { LedgerOp, LedgerOpKind, LedgerOpResult } from '../../ledger/src/ledger-store';

/**
 * The participant side of both protocols. Its durable state is the ledger's (txnId, side) record,
 * whose idempotent transitions (see LedgerStore) make a repeated or late message harmless: this
 * module only says which ledger operation a request means and how its result is answered.
 */
export function ledgerOpFor(req: BankReq): LedgerOp | null {
  const kind = opKind(req);
  return kind ? { kind, txnId: req.txnId, account: req.account, amountPaise: req.amountPaise } : null;
}

function opKind(req: BankReq): LedgerOpKind | null {
  switch (req.op) {
    case 'PREPARE':
      return req.side === 'DEBIT' ? 'HOLD' : 'CHECK';
    case 'COMMIT':
      return req.side === 'DEBIT' ? 'CAPTURE' : 'CREDIT';
    case 'ABORT':
      // A credit-side prepare records nothing (it only checks the account), so there is nothing to undo.
      return req.side === 'DEBIT' ? 'RELEASE' : null;
    case 'DEBIT':
      return 'DEBIT';
    case 'CREDIT':
      return 'CREDIT';
    case 'REVERSAL':
      return 'REVERSE_DEBIT';
  }
}

/** The bank's answer to `req` given the ledger's result (null when no ledger operation was needed). */
export function participantReply(req: BankReq, result: LedgerOpResult | null): BankResp {
  const ok = !result || result.outcome === 'OK';
  const code = ok ? '00' : declineCode(req, result.outcome as Exclude<LedgerOpResult['outcome'], 'OK'>);
  return { type: 'BankResp', txnId: req.txnId, op: req.op, side: req.side, bank: req.bank, ok, code };
}

function declineCode(req: BankReq, outcome: Exclude<LedgerOpResult['outcome'], 'OK'>): ResponseCode {
  if (outcome === 'INSUFFICIENT_FUNDS') return 'Z9';
  return req.side === 'DEBIT' ? 'U30' : 'U31';
}

import type { AccountOpening, LedgerOp, LedgerOpKind } from './ledger-store';

/**
 * Input checks shared by every LedgerStore implementation. A store validates a whole batch before it
 * applies any of it, so bad input rejects the call with a clear message and never moves or loses money.
 */
export class LedgerInputError extends Error {
  override readonly name = 'LedgerInputError';
}

const KINDS: ReadonlySet<string> = new Set<LedgerOpKind>([
  'HOLD',
  'CAPTURE',
  'RELEASE',
  'DEBIT',
  'REVERSE_DEBIT',
  'CHECK',
  'CREDIT',
]);

/** Kinds whose amount moves money; the others ignore it (they use the recorded amount or move nothing). */
export function usesAmount(kind: LedgerOpKind): boolean {
  return kind === 'HOLD' || kind === 'DEBIT' || kind === 'CREDIT';
}

export function validateOps(ops: readonly LedgerOp[]): void {
  if (!Array.isArray(ops)) throw new LedgerInputError('apply expects an array of operations');
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op === null || typeof op !== 'object') throw new LedgerInputError(`op[${i}] is not an object`);
    if (!KINDS.has(op.kind))
      throw new LedgerInputError(`op[${i}] has unknown kind ${JSON.stringify(op.kind)}`);
    if (typeof op.txnId !== 'string' || op.txnId.length === 0) {
      throw new LedgerInputError(`op[${i}] ${op.kind}: txnId must be a non-empty string`);
    }
    if (typeof op.account !== 'string' || op.account.length === 0) {
      throw new LedgerInputError(`op[${i}] ${op.kind} ${op.txnId}: account must be a non-empty string`);
    }
    if (usesAmount(op.kind) && !(Number.isSafeInteger(op.amountPaise) && op.amountPaise > 0)) {
      throw new LedgerInputError(
        `op[${i}] ${op.kind} ${op.txnId}: amountPaise must be a positive safe integer, got ${String(op.amountPaise)}`,
      );
    }
  }
}

/** Checks field types and that no account appears twice in the call (existing accounts are the store's check). */
export function validateOpenings(accounts: readonly AccountOpening[]): void {
  if (!Array.isArray(accounts)) throw new LedgerInputError('open expects an array of accounts');
  const seen = new Set<string>();
  for (let i = 0; i < accounts.length; i++) {
    const a = accounts[i];
    if (a === null || typeof a !== 'object') throw new LedgerInputError(`account[${i}] is not an object`);
    for (const field of ['account', 'bank', 'vpa'] as const) {
      if (typeof a[field] !== 'string' || a[field].length === 0) {
        throw new LedgerInputError(`account[${i}]: ${field} must be a non-empty string`);
      }
    }
    if (!(Number.isSafeInteger(a.balancePaise) && a.balancePaise >= 0)) {
      throw new LedgerInputError(
        `account ${a.account}: balancePaise must be a non-negative safe integer, got ${String(a.balancePaise)}`,
      );
    }
    if (seen.has(a.account)) throw new LedgerInputError(`account ${a.account} appears twice in one open`);
    seen.add(a.account);
  }
}

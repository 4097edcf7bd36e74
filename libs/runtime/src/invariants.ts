import type { AccountView, LedgerSummary, RecordState } from '../../ledger/src/ledger-store';
import type { InvariantCheck } from '../../scenarios/src/result';
import type { TxnEntry } from '../../switch/src/txn-registry';

/** Everything the end-of-run checks read, gathered by the runner from the stores. */
export interface InvariantInputs {
  readonly summary: LedgerSummary;
  readonly accounts: readonly AccountView[];
  /** Opening balance per account. */
  readonly opening: ReadonlyMap<string, number>;
  /** Opening total per bank. */
  readonly openingByBank: ReadonlyMap<string, number>;
  readonly txns: readonly TxnEntry[];
  /** Ledger records of each txn: [debit side, credit side]. */
  readonly records: ReadonlyMap<string, readonly [RecordState, RecordState]>;
  /** VPA → account id. */
  readonly accountOf: (vpa: string) => string | undefined;
  /** Transactions the coordinator still has work for. */
  readonly coordinatorActive: number;
  readonly settlement: { readonly netPositions: Readonly<Record<string, number>>; readonly sum: number };
}

const MOVED_DEBIT: ReadonlySet<RecordState> = new Set(['CAPTURED', 'DEBITED']);
const NO_MONEY_DEBIT: ReadonlySet<RecordState> = new Set(['NONE', 'DECLINED', 'RELEASED', 'REVERSED']);

/** Did this payment move money from payer to payee, by its final state? */
function moved(t: TxnEntry): boolean {
  return t.status === 'SUCCESS' || (t.status === 'DEEMED' && t.resolution !== 'RET');
}

/**
 * The money invariants that must hold at the end of every run, in every mode. Each check names
 * what it found so a failing run says where to look.
 */
export function checkInvariants(x: InvariantInputs): InvariantCheck[] {
  const checks: InvariantCheck[] = [];
  const s = x.summary;

  const total = s.availablePaise + s.heldPaise;
  checks.push({
    name: 'money conserved (balances + holds = opening)',
    ok: total === s.openingPaise,
    detail: `opening ${s.openingPaise}, balances ${s.availablePaise}, holds ${s.heldPaise}`,
  });
  checks.push({ name: 'no funds left on hold', ok: s.heldPaise === 0, detail: `holds ${s.heldPaise}` });

  const pending = x.txns.filter(
    (t) => t.status === 'PENDING' || (t.status === 'DEEMED' && t.resolution === null),
  );
  checks.push({
    name: 'every transaction terminal',
    ok: pending.length === 0 && x.coordinatorActive === 0,
    detail: `${pending.length} not terminal${pending[0] ? ` (e.g. ${pending[0].req.txnId})` : ''}, coordinator active ${x.coordinatorActive}`,
  });

  // A payment's ledger records must agree with its outcome: money moved on both sides, or on neither.
  const torn: string[] = [];
  for (const t of x.txns) {
    const r = x.records.get(t.req.txnId);
    if (!r) continue;
    const [debit, credit] = r;
    const ok = moved(t)
      ? MOVED_DEBIT.has(debit) && credit === 'CREDITED'
      : NO_MONEY_DEBIT.has(debit) && credit === 'NONE';
    if (!ok) torn.push(`${t.req.txnId} ${t.status}/${t.resolution ?? '-'} debit=${debit} credit=${credit}`);
  }
  checks.push({
    name: 'no transaction both committed and aborted',
    ok: torn.length === 0,
    detail: torn.length
      ? `${torn.length} inconsistent: ${torn.slice(0, 3).join('; ')}`
      : `${x.records.size} checked`,
  });

  // Replaying every moving payment from the opening balances must give each account's closing
  // balance exactly: a double debit (or a lost credit) shows up here.
  const expected = new Map(x.opening);
  for (const t of x.txns) {
    if (!moved(t)) continue;
    const from = x.accountOf(t.req.payerVpa);
    const to = x.accountOf(t.req.payeeVpa);
    if (from === undefined || to === undefined) continue;
    expected.set(from, (expected.get(from) ?? 0) - t.req.amountPaise);
    expected.set(to, (expected.get(to) ?? 0) + t.req.amountPaise);
  }
  const off = x.accounts.filter((a) => a.availablePaise + a.heldPaise !== expected.get(a.account));
  checks.push({
    name: 'no double debit (every balance = opening ± its payments)',
    ok: off.length === 0 && x.accounts.length === x.opening.size,
    detail: off.length
      ? `${off.length} accounts differ, e.g. ${off[0]!.account}: ${off[0]!.availablePaise + off[0]!.heldPaise} vs ${expected.get(off[0]!.account)}`
      : `${x.accounts.length} accounts checked`,
  });

  checks.push({
    name: 'settlement nets to zero',
    ok: x.settlement.sum === 0,
    detail: `sum ${x.settlement.sum}`,
  });

  // Each bank's net settlement position must equal how much its customers' money changed.
  const mismatched: string[] = [];
  for (const [bank, opening] of x.openingByBank) {
    const t = s.perBank[bank];
    const change = (t ? t.availablePaise + t.heldPaise : 0) - opening;
    const net = x.settlement.netPositions[bank] ?? 0;
    if (change !== net) mismatched.push(`${bank}: ledger ${change} vs settlement ${net}`);
  }
  checks.push({
    name: 'settlement matches ledger per bank',
    ok: mismatched.length === 0,
    detail: mismatched.length ? mismatched.slice(0, 3).join('; ') : `${x.openingByBank.size} banks`,
  });
  return checks;
}

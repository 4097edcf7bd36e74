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
  /**
   * Transactions already folded and dropped during the run (embedded and simulated runs evict
   * settled payments); absent in live mode, where everything is read back at the end.
   */
  readonly folded?: InvariantAccumulator;
  readonly settlement: { readonly netPositions: Readonly<Record<string, number>>; readonly sum: number };
}

const MOVED_DEBIT: ReadonlySet<RecordState> = new Set(['CAPTURED', 'DEBITED']);
const NO_MONEY_DEBIT: ReadonlySet<RecordState> = new Set(['NONE', 'DECLINED', 'RELEASED', 'REVERSED']);

/** Did this payment move money from payer to payee, by its final state? */
function moved(t: TxnEntry): boolean {
  return t.status === 'SUCCESS' || (t.status === 'DEEMED' && t.resolution !== 'RET');
}

/** Ledger record states of one txn: [debit side, credit side]. */
export type TxnRecords = readonly [RecordState, RecordState];

/**
 * The per-transaction invariant checks, folded one transaction at a time: what is not terminal,
 * which txns are torn (ledger records disagree with the outcome), and the money each account must
 * have gained or lost by the moving payments. Memory is bounded by the number of accounts (plus
 * three examples of each failure), so a run can fold payments as it evicts them and check the
 * rest at the end; `checkInvariants` folds the held ones into a fresh one and merges.
 */
export class InvariantAccumulator {
  /** Transactions folded. */
  txns = 0;
  /** Of them, those with ledger records checked. */
  recordsChecked = 0;
  notTerminal = 0;
  firstNotTerminal: string | null = null;
  torn = 0;
  /** The first three torn txns, described. */
  readonly tornExamples: string[] = [];
  /** How deemed-approved payments ended. */
  readonly resolutions = { TCC: 0, RET: 0 };
  /** Per account: the sum of moving payments in (+) and out (−). */
  readonly delta = new Map<string, number>();

  /** Folds one transaction and its ledger records (undefined: none were read for it). */
  fold(t: TxnEntry, records: TxnRecords | undefined, accountOf: (vpa: string) => string | undefined): void {
    this.txns++;
    if (t.resolution) this.resolutions[t.resolution]++;
    if (t.status === 'PENDING' || (t.status === 'DEEMED' && t.resolution === null)) {
      if (this.notTerminal++ === 0) this.firstNotTerminal = t.req.txnId;
    }
    const m = moved(t);
    if (records) {
      // A payment's ledger records must agree with its outcome: money moved on both sides, or on neither.
      this.recordsChecked++;
      const [debit, credit] = records;
      const ok = m
        ? MOVED_DEBIT.has(debit) && credit === 'CREDITED'
        : NO_MONEY_DEBIT.has(debit) && credit === 'NONE';
      if (!ok && this.torn++ < 3)
        this.tornExamples.push(
          `${t.req.txnId} ${t.status}/${t.resolution ?? '-'} debit=${debit} credit=${credit}`,
        );
    }
    if (!m) return;
    const from = accountOf(t.req.payerVpa);
    const to = accountOf(t.req.payeeVpa);
    if (from === undefined || to === undefined) return;
    this.delta.set(from, (this.delta.get(from) ?? 0) - t.req.amountPaise);
    this.delta.set(to, (this.delta.get(to) ?? 0) + t.req.amountPaise);
  }

  /** Adds what `other` folded, as if its txns had been folded here after this one's. */
  merge(other: InvariantAccumulator): void {
    this.txns += other.txns;
    this.recordsChecked += other.recordsChecked;
    if (this.notTerminal === 0) this.firstNotTerminal = other.firstNotTerminal;
    this.notTerminal += other.notTerminal;
    for (const e of other.tornExamples) if (this.tornExamples.length < 3) this.tornExamples.push(e);
    this.torn += other.torn;
    this.resolutions.TCC += other.resolutions.TCC;
    this.resolutions.RET += other.resolutions.RET;
    for (const [a, d] of other.delta) this.delta.set(a, (this.delta.get(a) ?? 0) + d);
  }
}

/**
 * The money invariants that must hold at the end of every run, in every mode. Each check names
 * what it found so a failing run says where to look. Transactions evicted during the run come in
 * `x.folded`; those still held, in `x.txns` and `x.records`.
 */
export function checkInvariants(x: InvariantInputs): InvariantCheck[] {
  const checks: InvariantCheck[] = [];
  const s = x.summary;
  const held = new InvariantAccumulator();
  for (const t of x.txns) held.fold(t, x.records.get(t.req.txnId), x.accountOf);
  // Evicted txns were registered (and folded) before every held one, so they come first.
  const acc = new InvariantAccumulator();
  if (x.folded) acc.merge(x.folded);
  acc.merge(held);

  const total = s.availablePaise + s.heldPaise;
  checks.push({
    name: 'money conserved (balances + holds = opening)',
    ok: total === s.openingPaise,
    detail: `opening ${s.openingPaise}, balances ${s.availablePaise}, holds ${s.heldPaise}`,
  });
  checks.push({ name: 'no funds left on hold', ok: s.heldPaise === 0, detail: `holds ${s.heldPaise}` });

  checks.push({
    name: 'every transaction terminal',
    ok: acc.notTerminal === 0 && x.coordinatorActive === 0,
    detail: `${acc.notTerminal} not terminal${acc.firstNotTerminal !== null && acc.notTerminal ? ` (e.g. ${acc.firstNotTerminal})` : ''}, coordinator active ${x.coordinatorActive}`,
  });

  checks.push({
    name: 'no transaction both committed and aborted',
    ok: acc.torn === 0,
    detail: acc.torn
      ? `${acc.torn} inconsistent: ${acc.tornExamples.join('; ')}`
      : `${x.records.size + (x.folded?.recordsChecked ?? 0)} checked`,
  });

  // Replaying every moving payment from the opening balances must give each account's closing
  // balance exactly: a double debit (or a lost credit) shows up here.
  const expected = new Map(x.opening);
  for (const [a, d] of acc.delta) expected.set(a, (expected.get(a) ?? 0) + d);
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

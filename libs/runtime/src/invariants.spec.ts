import type { ReqPay, TxnStatus } from '../../domain/src';
import type { AccountView, RecordState } from '../../ledger/src/ledger-store';
import type { TxnEntry } from '../../switch/src/txn-registry';
import { checkInvariants, InvariantAccumulator, type InvariantInputs, type TxnRecords } from './invariants';
import { Random } from '../../domain/src';

const ACCOUNTS = ['A1', 'A2', 'A3', 'A4'];
const OPENING = 1_000_000;
const accountOf = (vpa: string) => (vpa.startsWith('v') ? `A${vpa.slice(1)}` : undefined);

function txn(
  id: number,
  from: number,
  to: number,
  amount: number,
  status: TxnStatus,
  resolution: 'TCC' | 'RET' | null = null,
): TxnEntry {
  const req: ReqPay = {
    type: 'ReqPay',
    txnId: `T${id}`,
    pspId: 'P',
    payerVpa: `v${from}`,
    payeeVpa: `v${to}`,
    amountPaise: amount,
    category: 'P2P',
    initiation: 'CUSTOMER',
    createdAt: id,
  };
  return {
    req,
    status,
    code: status === 'SUCCESS' ? '00' : status === 'DECLINED' ? 'Z9' : null,
    decline: null,
    resolution,
  } as TxnEntry;
}

/** Consistent records for an outcome. */
function recordsOf(t: TxnEntry): TxnRecords {
  const moved = t.status === 'SUCCESS' || (t.status === 'DEEMED' && t.resolution !== 'RET');
  return moved ? ['CAPTURED', 'CREDITED'] : ['RELEASED', 'NONE'];
}

/** Balances after applying the moving txns (what a correct ledger ends with). */
function balances(txns: readonly TxnEntry[], extraDebit: Record<string, number> = {}): AccountView[] {
  const bal = new Map(ACCOUNTS.map((a) => [a, OPENING]));
  for (const t of txns) {
    if (!(t.status === 'SUCCESS' || (t.status === 'DEEMED' && t.resolution !== 'RET'))) continue;
    bal.set(accountOf(t.req.payerVpa)!, bal.get(accountOf(t.req.payerVpa)!)! - t.req.amountPaise);
    bal.set(accountOf(t.req.payeeVpa)!, bal.get(accountOf(t.req.payeeVpa)!)! + t.req.amountPaise);
  }
  for (const [a, d] of Object.entries(extraDebit)) bal.set(a, bal.get(a)! - d);
  return ACCOUNTS.map((a) => ({ account: a, bank: 'B', vpa: a, availablePaise: bal.get(a)!, heldPaise: 0 }));
}

function inputs(
  held: readonly TxnEntry[],
  records: Map<string, TxnRecords>,
  accounts: AccountView[],
  folded?: InvariantAccumulator,
): InvariantInputs {
  const total = accounts.reduce((s, a) => s + a.availablePaise, 0);
  return {
    summary: { openingPaise: OPENING * 4, availablePaise: total, heldPaise: 0, accounts: 4, perBank: {} },
    accounts,
    opening: new Map(ACCOUNTS.map((a) => [a, OPENING])),
    openingByBank: new Map(),
    txns: held,
    records,
    accountOf,
    coordinatorActive: 0,
    settlement: { netPositions: {}, sum: 0 },
    ...(folded ? { folded } : {}),
  };
}

/** Folds the first `k` txns (as eviction does) and checks the rest at the end. */
function split(txns: TxnEntry[], records: Map<string, TxnRecords>, accounts: AccountView[], k: number) {
  const acc = new InvariantAccumulator();
  for (const t of txns.slice(0, k)) acc.fold(t, records.get(t.req.txnId), accountOf);
  const rest = txns.slice(k);
  const held = new Map([...records].filter(([id]) => rest.some((t) => t.req.txnId === id)));
  return checkInvariants(inputs(rest, held, accounts, acc));
}

function randomRun(seed: number): TxnEntry[] {
  const rng = new Random(seed);
  const out: TxnEntry[] = [];
  const statuses: [TxnStatus, 'TCC' | 'RET' | null][] = [
    ['SUCCESS', null],
    ['SUCCESS', null],
    ['DECLINED', null],
    ['DEEMED', 'TCC'],
    ['DEEMED', 'RET'],
  ];
  for (let i = 0; i < 200; i++) {
    const from = 1 + rng.int(4);
    const to = 1 + ((from + rng.int(3)) % 4);
    const [s, r] = statuses[rng.int(statuses.length)]!;
    out.push(txn(i, from, to, 1 + rng.int(5_000), s, r));
  }
  return out;
}

const byName = (checks: { name: string; ok: boolean; detail?: string }[], part: string) =>
  checks.find((c) => c.name.includes(part))!;

describe('InvariantAccumulator (invariants folded as payments are evicted)', () => {
  test('merged with the txns still held, it gives exactly the all-at-end result', () => {
    for (const seed of [1, 2, 3]) {
      const txns = randomRun(seed);
      const records = new Map(txns.map((t) => [t.req.txnId, recordsOf(t)] as const));
      // Some damage, so failing checks (and their details) are compared too.
      records.set('T7', ['CAPTURED', 'NONE']);
      records.set('T150', ['HELD', 'CREDITED']);
      records.delete('T33');
      txns[120] = { ...txns[120]!, status: 'PENDING' };
      const accounts = balances(txns, { A2: 99 });
      const whole = checkInvariants(inputs(txns, records, accounts));
      for (const k of [0, 1, 8, 100, 151, 199, 200]) expect(split(txns, records, accounts, k)).toEqual(whole);
    }
  });

  test('a torn txn evicted early is still reported', () => {
    const txns = [txn(1, 1, 2, 500, 'SUCCESS'), txn(2, 2, 3, 700, 'DECLINED'), txn(3, 3, 4, 100, 'SUCCESS')];
    const records = new Map<string, TxnRecords>(txns.map((t) => [t.req.txnId, recordsOf(t)]));
    // Debited but never credited: committed on one side, aborted on the other.
    records.set('T1', ['CAPTURED', 'NONE']);
    const checks = split(txns, records, balances(txns), 1);
    const torn = byName(checks, 'both committed and aborted');
    expect(torn.ok).toBe(false);
    expect(torn.detail).toBe('1 inconsistent: T1 SUCCESS/- debit=CAPTURED credit=NONE');
    const clean = split(txns, new Map(txns.map((t) => [t.req.txnId, recordsOf(t)])), balances(txns), 1);
    expect(byName(clean, 'both committed and aborted')).toMatchObject({ ok: true, detail: '3 checked' });
  });

  test('a double debit of an evicted payment is caught by the per-account replay', () => {
    const txns = [
      txn(1, 1, 2, 500, 'SUCCESS'),
      txn(2, 1, 3, 250, 'SUCCESS'),
      txn(3, 3, 4, 100, 'DEEMED', 'TCC'),
    ];
    const records = new Map<string, TxnRecords>(txns.map((t) => [t.req.txnId, recordsOf(t)]));
    // T1 debited twice: A1 is 500 short of what its payments explain.
    const accounts = balances(txns, { A1: 500 });
    for (const k of [1, 2, 3]) {
      const c = byName(split(txns, records, accounts, k), 'no double debit');
      expect(c.ok).toBe(false);
      expect(c.detail).toBe(`1 accounts differ, e.g. A1: ${OPENING - 750 - 500} vs ${OPENING - 750}`);
    }
    expect(byName(split(txns, records, balances(txns), 2), 'no double debit').ok).toBe(true);
  });

  test('a payment folded while not terminal is still reported', () => {
    const txns = [txn(1, 1, 2, 500, 'DEEMED'), txn(2, 1, 3, 250, 'SUCCESS')];
    const records = new Map<string, TxnRecords>([
      ['T1', ['CAPTURED', 'CREDITED'] as const satisfies readonly [RecordState, RecordState]],
      ['T2', ['CAPTURED', 'CREDITED']],
    ]);
    const c = byName(split(txns, records, balances(txns), 1), 'every transaction terminal');
    expect(c).toMatchObject({ ok: false, detail: '1 not terminal (e.g. T1), coordinator active 0' });
  });

  test('counts payments and deemed resolutions, and keeps at most three torn examples', () => {
    const acc = new InvariantAccumulator();
    for (let i = 0; i < 5; i++) acc.fold(txn(i, 1, 2, 10, 'SUCCESS'), ['RELEASED', 'NONE'], accountOf);
    acc.fold(txn(9, 1, 2, 10, 'DEEMED', 'RET'), undefined, accountOf);
    expect(acc.txns).toBe(6);
    expect(acc.recordsChecked).toBe(5);
    expect(acc.torn).toBe(5);
    expect(acc.tornExamples).toHaveLength(3);
    expect(acc.resolutions).toEqual({ TCC: 0, RET: 1 });
    expect(acc.delta.get('A1')).toBe(-50);
  });
});

import type { ReqPay } from '../../domain/src';
import type { DecisionRecord } from '../../twopc/src';
import {
  decodeSwitchCommand,
  encodeSwitchCommand,
  SwitchStateMachine,
  type SwitchCommand,
  type TxnEntry,
} from '../src';

function req(i: number, createdAt = 1000 + i): ReqPay {
  return {
    type: 'ReqPay',
    txnId: `T${i}`,
    pspId: 'PAYTM',
    payerVpa: `u${i}@paytm`,
    payeeVpa: `m${i}@ybl`,
    amountPaise: 100 + i,
    category: 'P2P',
    initiation: 'CUSTOMER',
    createdAt,
  };
}

function rec(i: number, extra: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    txnId: `T${i}`,
    decision: 'CREDIT',
    spec: {
      txnId: `T${i}`,
      amountPaise: 100 + i,
      debit: { bank: 'SBI', account: `A${i}` },
      credit: { bank: 'HDFC', account: `B${i}` },
    },
    at: 5000 + i,
    ...extra,
  };
}

function apply(m: SwitchStateMachine, c: SwitchCommand): ReturnType<SwitchStateMachine['apply']> {
  return m.apply(encodeSwitchCommand(c));
}

/**
 * T1 SUCCESS (records finished), T2 DECLINED early, T3 PENDING, T4 DEEMED awaiting TCC/RET,
 * T5 DEEMED and returned (RET, its records still held), T6 SUCCESS but created late (2000).
 */
function machine(): SwitchStateMachine {
  const m = new SwitchStateMachine();
  apply(m, { register: [req(1), req(2), req(3), req(4), req(5), req(6, 2000)] });
  apply(m, {
    records: [
      rec(1, { outcome: { status: 'SUCCESS', code: '00' } }),
      rec(3),
      rec(4, { outcome: { status: 'DEEMED', code: 'RB' } }),
      rec(5, { outcome: { status: 'DEEMED', code: 'RB' } }),
      rec(5, { decision: 'REVERSE', resolution: 'RET' }),
      rec(6, { outcome: { status: 'SUCCESS', code: '00' } }),
    ],
    outcomes: [{ txnId: 'T2', status: 'DECLINED', code: 'QD' }],
    finished: ['T1', 'T6'],
  });
  return m;
}

const ids = (m: SwitchStateMachine) => [...m.entries()].map((e) => e.req.txnId).sort();

describe('switch command: evict', () => {
  it('round-trips and leaves commands without it byte-identical', () => {
    const c: SwitchCommand = { finished: ['T1'], evict: { through: 1234.5, txnIds: ['T1', 'T2'] } };
    expect(decodeSwitchCommand(encodeSwitchCommand(c))).toEqual({
      register: [],
      records: [],
      outcomes: [],
      finished: ['T1'],
      health: [],
      evict: { through: 1234.5, txnIds: ['T1', 'T2'] },
    });
    expect(encodeSwitchCommand({ finished: ['T1'] })).toBe('[1,[],[],[],["T1"],[]]');
  });

  it.each([
    ['not a pair', JSON.stringify([1, [], [], [], [], [], [5]])],
    ['cutoff not a number', JSON.stringify([1, [], [], [], [], [], ['5', ['T1']]])],
    ['ids not a list', JSON.stringify([1, [], [], [], [], [], [5, 'T1']])],
    ['empty id', JSON.stringify([1, [], [], [], [], [], [5, ['T1', '']]])],
    ['arity 8', JSON.stringify([1, [], [], [], [], [], [5, []], []])],
  ])('a malformed eviction (%s) is rejected and changes nothing', (_what, data) => {
    const m = machine();
    const before = m.snapshot();
    expect(m.apply(data).ok).toBe(false);
    expect(m.rejected).toBe(1);
    expect(m.size).toBe(6);
    expect(m.evictedThrough).toBe(-Infinity);
    m.rejected = 0;
    expect(m.snapshot()).toBe(before);
  });
});

describe('SwitchStateMachine: replicated eviction', () => {
  it('drops exactly the named settled payments created by the cutoff, with their records', () => {
    const m = machine();
    const told: [number, string[]][] = [];
    m.onEvicted((seq, gone: readonly TxnEntry[]) => told.push([seq, gone.map((e) => e.req.txnId).sort()]));
    // T3 is pending, T4 deemed without resolution, T6 created after the cutoff, T9 unknown: ignored.
    const r = apply(m, { evict: { through: 1500, txnIds: ['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T9'] } });
    expect(r).toEqual({ ok: true, registered: 0, duplicates: 0, evicted: 3 });
    expect(ids(m)).toEqual(['T3', 'T4', 'T6']);
    expect(m.statusOf('T1')).toBe('UNKNOWN');
    expect(m.decisionRecords().map((d) => d.txnId)).toEqual(['T3', 'T4']); // T5's records went with it
    expect(m.evictedThrough).toBe(1500);
    expect(told).toEqual([[1, ['T1', 'T2', 'T5']]]);
    // What it ignored stays, and leaves once settled and named again.
    apply(m, { records: [rec(4, { decision: 'CREDIT', resolution: 'TCC' })], finished: ['T4'] });
    apply(m, { evict: { through: 1400, txnIds: ['T3', 'T4'] } });
    expect(ids(m)).toEqual(['T3', 'T6']);
    expect(m.evictedThrough).toBe(1500); // never moves back
    expect(told[1]).toEqual([2, ['T4']]);
    // A payment not named stays however old; a second eviction of the same ones changes nothing.
    expect(apply(m, { evict: { through: 3000, txnIds: ['T1', 'T2'] } })).toMatchObject({ evicted: 0 });
    expect(ids(m)).toEqual(['T3', 'T6']);
    expect(m.evictions).toBe(3);
  });

  it('drops named payments wherever they wait in the registry (registered out of creation order)', () => {
    const m = new SwitchStateMachine();
    // T2 was created first but registered after a later one (a backlog a new leader registered).
    apply(m, { register: [req(1, 1000), req(3, 1900), req(2, 900)] });
    apply(m, {
      outcomes: ['T1', 'T2', 'T3'].map((txnId) => ({
        txnId,
        status: 'DECLINED' as const,
        code: 'QD' as const,
      })),
    });
    apply(m, { evict: { through: 1000, txnIds: ['T1'] } });
    apply(m, { evict: { through: 2000, txnIds: ['T2'] } });
    expect(ids(m)).toEqual(['T3']);
    expect(m.at(0)!.req.txnId).toBe('T3');
  });

  it('snapshot → restore keeps the cutoff and the eviction count', () => {
    const m = machine();
    apply(m, { evict: { through: 1500, txnIds: ['T1', 'T2'] } });
    const copy = new SwitchStateMachine();
    copy.restore(m.snapshot());
    expect(copy.evictedThrough).toBe(1500);
    expect(copy.evictions).toBe(1);
    expect(ids(copy)).toEqual(ids(m));
    expect(copy.snapshot()).toBe(m.snapshot());
    // Both keep evicting alike.
    apply(copy, { evict: { through: 1600, txnIds: ['T5'] } });
    apply(m, { evict: { through: 1600, txnIds: ['T5'] } });
    expect(copy.snapshot()).toBe(m.snapshot());
    // A machine that never evicted restores as such (no cutoff: nothing refused).
    const fresh = new SwitchStateMachine();
    fresh.restore(machine().snapshot());
    expect(fresh.evictedThrough).toBe(-Infinity);
    expect(fresh.evictions).toBe(0);
  });

  it('refuses a snapshot with a bad cutoff and keeps its state', () => {
    const m = machine();
    const snap = JSON.parse(m.snapshot()) as Record<string, unknown>;
    expect(() => m.restore(JSON.stringify({ ...snap, evictedThrough: 'x' }))).toThrow(/eviction/);
    expect(() => m.restore(JSON.stringify({ ...snap, evictions: -1 }))).toThrow(/eviction/);
    expect(m.size).toBe(6);
  });
});

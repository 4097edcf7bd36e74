import { Random, type ReqPay } from '../../domain/src';
import type { DecisionRecord, TxnSpec } from '../../twopc/src';
import { decodeSwitchCommand, encodeSwitchCommand, SwitchStateMachine, type SwitchCommand } from '../src';

function req(i: number): ReqPay {
  return {
    type: 'ReqPay',
    txnId: `T${i}`,
    pspId: 'PAYTM',
    payerVpa: `u${i}@paytm`,
    payeeVpa: `m${i}@ybl`,
    amountPaise: 100 + i,
    category: i % 2 ? 'P2P' : 'MEDICAL',
    initiation: i % 3 ? 'CUSTOMER' : 'SYSTEM',
    createdAt: 1000 + i,
  };
}

function spec(i: number): TxnSpec {
  return {
    txnId: `T${i}`,
    amountPaise: 100 + i,
    debit: { bank: 'SBI', account: `A${i}` },
    credit: { bank: 'HDFC', account: `B${i}` },
  };
}

function rec(i: number, extra: Partial<DecisionRecord> = {}): DecisionRecord {
  return { txnId: `T${i}`, decision: 'CREDIT', spec: spec(i), at: 5000 + i, ...extra };
}

function apply(m: SwitchStateMachine, c: SwitchCommand): ReturnType<SwitchStateMachine['apply']> {
  return m.apply(encodeSwitchCommand(c));
}

describe('switch command codec', () => {
  it('round-trips every field', () => {
    const c: SwitchCommand = {
      register: [req(1), req(2)],
      records: [
        rec(1),
        rec(2, { decision: 'REVERSE', outcome: { status: 'DECLINED', code: 'U30' } }),
        rec(3, { outcome: { status: 'DEEMED', code: 'RB' }, resolution: 'TCC' }),
      ],
      outcomes: [{ txnId: 'T4', status: 'DECLINED', code: 'QD' }],
      finished: ['T9'],
      health: [{ bank: 'YES', up: false, at: 77 }],
    };
    expect(decodeSwitchCommand(encodeSwitchCommand(c))).toEqual(c);
  });

  it('is far smaller than the objects as JSON', () => {
    const c: SwitchCommand = { register: [req(1)], records: [rec(1)] };
    expect(encodeSwitchCommand(c).length).toBeLessThan(JSON.stringify(c).length * 0.6);
  });
});

describe('SwitchStateMachine', () => {
  it('registers a txnId once: a duplicate ReqPay changes nothing', () => {
    const m = new SwitchStateMachine();
    expect(apply(m, { register: [req(1), req(2)] })).toEqual({ ok: true, registered: 2, duplicates: 0 });
    expect(apply(m, { register: [{ ...req(1), amountPaise: 999 }] })).toEqual({
      ok: true,
      registered: 0,
      duplicates: 1,
    });
    expect(m.size).toBe(2);
    expect(m.get('T1')!.req.amountPaise).toBe(101);
    expect(m.at(1)!.req.txnId).toBe('T2');
  });

  it('settles entries from record outcomes and early declines; the first outcome stays', () => {
    const m = new SwitchStateMachine();
    apply(m, { register: [req(1), req(2), req(3)] });
    apply(m, {
      records: [rec(1, { outcome: { status: 'DEEMED', code: 'RB' } })],
      outcomes: [{ txnId: 'T2', status: 'DECLINED', code: 'QD' }],
    });
    apply(m, { records: [rec(1, { outcome: { status: 'SUCCESS', code: '00' }, resolution: 'TCC' })] });
    expect(m.get('T1')).toMatchObject({ status: 'DEEMED', code: 'RB', decline: 'TD', resolution: 'TCC' });
    expect(m.get('T2')).toMatchObject({ status: 'DECLINED', code: 'QD' });
    expect(m.statusOf('T3')).toBe('PENDING');
    expect(m.statusOf('nope')).toBe('UNKNOWN');
  });

  it('keeps records of unfinished txns for recovery and drops finished ones', () => {
    const m = new SwitchStateMachine();
    apply(m, { register: [req(1), req(2), req(3)] });
    apply(m, { records: [rec(1), rec(2)] });
    apply(m, { records: [rec(1, { outcome: { status: 'SUCCESS', code: '00' } })] });
    expect(m.decisionRecords().map((r) => r.txnId)).toEqual(['T1', 'T1', 'T2']);
    expect(m.undecided().map((r) => r.txnId)).toEqual(['T3']);
    apply(m, { finished: ['T1'] });
    expect(m.decisionRecords().map((r) => r.txnId)).toEqual(['T2']);
  });

  it('tracks bank health', () => {
    const m = new SwitchStateMachine();
    expect(m.isUp('YES')).toBe(true);
    apply(m, { health: [{ bank: 'YES', up: false, at: 10 }] });
    expect(m.isUp('YES')).toBe(false);
    apply(m, { health: [{ bank: 'YES', up: true, at: 20 }] });
    expect(m.bankHealth()).toEqual([{ bank: 'YES', up: true, at: 20 }]);
  });

  it.each([
    ['not JSON', '{oops'],
    ['unknown version', JSON.stringify([2, [], [], [], [], []])],
    ['wrong arity', JSON.stringify([1, [], []])],
    [
      'bad category',
      JSON.stringify([1, [['T1', 'P', 'a@b', 'c@d', 1, 'FOOD', 'CUSTOMER', 0]], [], [], [], []]),
    ],
    [
      'negative amount',
      JSON.stringify([1, [['T1', 'P', 'a@b', 'c@d', -5, 'P2P', 'CUSTOMER', 0]], [], [], [], []]),
    ],
    [
      'unknown decision',
      JSON.stringify([1, [], [['T1', 'MAYBE', 1, 'a', 'b', 'c', 'd', 0, 0, 0, 0]], [], [], []]),
    ],
    ['unknown code', JSON.stringify([1, [], [], [['T1', 'DECLINED', 'ZZZ']], [], []])],
    ['bad health flag', JSON.stringify([1, [], [], [], [], [['YES', 2, 0]]])],
  ])('rejects a malformed entry (%s) without changing anything', (_what, data) => {
    const m = new SwitchStateMachine();
    apply(m, { register: [req(1)] });
    const before = m.snapshot();
    const r = m.apply(data);
    expect(r.ok).toBe(false);
    expect(m.rejected).toBe(1);
    const after = new SwitchStateMachine();
    after.restore(before);
    after.rejected = 1;
    expect(m.snapshot()).toBe(after.snapshot());
  });

  it('treats the leader no-op as nothing', () => {
    const m = new SwitchStateMachine();
    expect(m.apply('')).toEqual({ ok: true, registered: 0, duplicates: 0 });
    expect(m.size).toBe(0);
  });

  it('snapshot → restore gives the same state (seeded random histories)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = new Random(seed);
      const m = new SwitchStateMachine();
      for (let step = 0; step < 60; step++) {
        const i = rng.int(30);
        const k = rng.int(6);
        if (k === 0) apply(m, { register: [req(i), req(i + 1)] });
        else if (k === 1) apply(m, { records: [rec(i)] });
        else if (k === 2) apply(m, { records: [rec(i, { outcome: { status: 'SUCCESS', code: '00' } })] });
        else if (k === 3) apply(m, { records: [rec(i, { decision: 'CREDIT', resolution: 'RET' })] });
        else if (k === 4) apply(m, { outcomes: [{ txnId: `T${i}`, status: 'DECLINED', code: 'QS' }] });
        else
          apply(m, { finished: [`T${i}`], health: [{ bank: `B${i % 3}`, up: rng.int(2) === 0, at: step }] });
      }
      const copy = new SwitchStateMachine();
      copy.restore(m.snapshot());
      expect(copy.snapshot()).toBe(m.snapshot());
      expect([...copy.entries()]).toEqual([...m.entries()]);
      expect(copy.decisionRecords()).toEqual(m.decisionRecords());
      expect(copy.bankHealth()).toEqual(m.bankHealth());
      // The restored machine keeps applying like the original.
      apply(copy, { register: [req(99)] });
      apply(m, { register: [req(99)] });
      expect(copy.snapshot()).toBe(m.snapshot());
    }
  });

  it('refuses a malformed snapshot and keeps its state', () => {
    const m = new SwitchStateMachine();
    apply(m, { register: [req(1)] });
    expect(() => m.restore('{"v":1,"body":"[9]","resolutions":[]}')).toThrow(/switch command/);
    expect(() => m.restore('nope')).toThrow(/not JSON/);
    expect(m.size).toBe(1);
  });

  it('hands a leader a private copy of the registry', () => {
    const m = new SwitchStateMachine();
    apply(m, { register: [req(1)] });
    const copy = m.registryCopy();
    copy.get('T1')!.status = 'SUCCESS';
    expect(m.statusOf('T1')).toBe('PENDING');
  });
});

import type { BankOp, BankReq, BankResp, ResponseCode, Side } from '../../domain/src';
import {
  Coordinator,
  NO_EFFECTS,
  mergeEffects,
  isEmptyEffects,
  type CoordinatorConfig,
  type DecisionRecord,
  type Effects,
  type TxnSpec,
} from '../src';

const cfg: CoordinatorConfig = {
  protocol: 'upi',
  debitTimeoutMs: 100,
  creditTimeoutMs: 200,
  retryIntervalMs: 50,
  deemedRetryMs: 1000,
};
const spec: TxnSpec = {
  txnId: 't1',
  amountPaise: 700,
  debit: { bank: 'SBI', account: 'A' },
  credit: { bank: 'HDFC', account: 'B' },
};

function req(op: BankOp, side: Side): BankReq {
  const leg = side === 'DEBIT' ? spec.debit : spec.credit;
  return { type: 'BankReq', txnId: 't1', op, side, bank: leg.bank, account: leg.account, amountPaise: 700 };
}
function resp(op: BankOp, side: Side, ok = true, code: ResponseCode = ok ? '00' : 'U30'): BankResp {
  return { type: 'BankResp', txnId: 't1', op, side, bank: side === 'DEBIT' ? 'SBI' : 'HDFC', ok, code };
}
function fx(p: Partial<Effects>): Effects {
  return { ...NO_EFFECTS, ...p };
}
const rec = (
  decision: DecisionRecord['decision'],
  at: number,
  extra: Partial<DecisionRecord> = {},
): DecisionRecord => ({
  txnId: 't1',
  decision,
  spec,
  at,
  ...extra,
});

/** A coordinator whose txn has been debited and whose CREDIT decision is durable (CREDIT sent at 20). */
function crediting(): Coordinator {
  const c = new Coordinator(cfg);
  c.start(spec, 0);
  c.onBankResp(resp('DEBIT', 'DEBIT'), 10);
  c.decisionDurable('t1', 20);
  return c;
}

/** Deemed approved at 220, deemed record durable at 230. */
function deemed(): Coordinator {
  const c = crediting();
  c.onTimer('t1#C', 220);
  c.decisionDurable('t1', 230);
  return c;
}

describe('Coordinator upi', () => {
  it('start sends DEBIT to the remitter with the debit timeout', () => {
    const c = new Coordinator(cfg);
    expect(c.start(spec, 0)).toEqual(
      fx({ send: [req('DEBIT', 'DEBIT')], timers: [{ key: 't1#D', atMs: 100 }] }),
    );
  });

  it('happy path: debit ok → CREDIT recorded, then sent; credit ok → SUCCESS recorded, then announced', () => {
    const c = new Coordinator(cfg);
    c.start(spec, 0);
    expect(c.onBankResp(resp('DEBIT', 'DEBIT'), 10)).toEqual(
      fx({ cancelTimers: ['t1#D'], persist: [rec('CREDIT', 10)] }),
    );
    expect(c.onBankResp(resp('DEBIT', 'DEBIT'), 11)).toEqual(NO_EFFECTS); // duplicate while deciding
    expect(c.decisionDurable('t1', 20)).toEqual(
      fx({ send: [req('CREDIT', 'CREDIT')], timers: [{ key: 't1#C', atMs: 220 }] }),
    );
    expect(c.onBankResp(resp('CREDIT', 'CREDIT'), 30)).toEqual(
      fx({
        cancelTimers: ['t1#C'],
        persist: [rec('CREDIT', 30, { outcome: { status: 'SUCCESS', code: '00' } })],
      }),
    );
    expect(c.decisionDurable('t1', 35)).toEqual(
      fx({ outcomes: [{ txnId: 't1', status: 'SUCCESS', code: '00', decline: null }], finished: ['t1'] }),
    );
    expect(c.active).toBe(0);
  });

  it('debit declined → ABORT recorded, DECLINED with its code, nothing else sent', () => {
    const c = new Coordinator(cfg);
    c.start(spec, 0);
    expect(c.onBankResp(resp('DEBIT', 'DEBIT', false, 'Z9'), 10)).toEqual(
      fx({
        cancelTimers: ['t1#D'],
        persist: [rec('ABORT', 10, { outcome: { status: 'DECLINED', code: 'Z9' } })],
      }),
    );
    expect(c.decisionDurable('t1', 11)).toEqual(
      fx({ outcomes: [{ txnId: 't1', status: 'DECLINED', code: 'Z9', decline: 'BD' }], finished: ['t1'] }),
    );
  });

  it('REVERSAL resends back off: the interval doubles with each resend, up to 8x', () => {
    const c = new Coordinator(cfg);
    c.start(spec, 0);
    c.onTimer('t1#D', 100);
    c.decisionDurable('t1', 105); // first REVERSAL, resend due at 155
    const due: number[] = [];
    let at = 155;
    for (let i = 0; i < 6; i++) {
      const e = c.onTimer('t1#R', at);
      expect(e.send).toEqual([req('REVERSAL', 'DEBIT')]);
      at = e.timers[0]!.atMs;
      due.push(at);
    }
    // 50 ms x 2, 4, 8, then capped at 8.
    expect(due).toEqual([255, 455, 855, 1255, 1655, 2055]);
  });

  it('debit timeout → UT and REVERSAL resent until acked; a late debit ok is ignored', () => {
    const c = new Coordinator(cfg);
    c.start(spec, 0);
    expect(c.onTimer('t1#D', 100)).toEqual(
      fx({ persist: [rec('REVERSE', 100, { outcome: { status: 'DECLINED', code: 'UT' } })] }),
    );
    expect(c.onBankResp(resp('DEBIT', 'DEBIT'), 101)).toEqual(NO_EFFECTS);
    expect(c.decisionDurable('t1', 105)).toEqual(
      fx({
        send: [req('REVERSAL', 'DEBIT')],
        timers: [{ key: 't1#R', atMs: 155 }],
        outcomes: [{ txnId: 't1', status: 'DECLINED', code: 'UT', decline: 'TD' }],
      }),
    );
    expect(c.onBankResp(resp('DEBIT', 'DEBIT'), 106)).toEqual(NO_EFFECTS);
    expect(c.onTimer('t1#R', 155)).toEqual(
      fx({ send: [req('REVERSAL', 'DEBIT')], timers: [{ key: 't1#R', atMs: 255 }] }),
    );
    expect(c.onBankResp(resp('REVERSAL', 'DEBIT', false, 'U30'), 160)).toEqual(NO_EFFECTS);
    expect(c.onBankResp(resp('REVERSAL', 'DEBIT'), 170)).toEqual(
      fx({ cancelTimers: ['t1#R'], finished: ['t1'] }),
    );
    expect(c.onTimer('t1#R', 255)).toEqual(NO_EFFECTS);
  });

  it.each<[ResponseCode]>([['U31'], ['Y1']])(
    'credit declined (%s) → REVERSE recorded, REVERSAL, DECLINED',
    (code) => {
      const c = crediting();
      expect(c.onBankResp(resp('CREDIT', 'CREDIT', false, code), 40)).toEqual(
        fx({
          cancelTimers: ['t1#C'],
          persist: [rec('REVERSE', 40, { outcome: { status: 'DECLINED', code } })],
        }),
      );
      expect(c.decisionDurable('t1', 45)).toEqual(
        fx({
          send: [req('REVERSAL', 'DEBIT')],
          timers: [{ key: 't1#R', atMs: 95 }],
          outcomes: [{ txnId: 't1', status: 'DECLINED', code, decline: 'TD' }],
        }),
      );
    },
  );

  it('credit timeout → DEEMED RB (recorded first), CREDIT resent every deemedRetryMs, later ok → TCC', () => {
    const c = crediting();
    expect(c.onTimer('t1#C', 220)).toEqual(
      fx({ persist: [rec('CREDIT', 220, { outcome: { status: 'DEEMED', code: 'RB' } })] }),
    );
    expect(c.onBankResp(resp('CREDIT', 'CREDIT'), 225)).toEqual(NO_EFFECTS); // learned again by the retry
    expect(c.decisionDurable('t1', 230)).toEqual(
      fx({
        timers: [{ key: 't1#R', atMs: 1230 }],
        outcomes: [{ txnId: 't1', status: 'DEEMED', code: 'RB', decline: 'TD' }],
      }),
    );
    expect(c.onTimer('t1#R', 1230)).toEqual(
      fx({ send: [req('CREDIT', 'CREDIT')], timers: [{ key: 't1#R', atMs: 2230 }] }),
    );
    expect(c.onBankResp(resp('CREDIT', 'CREDIT'), 1240)).toEqual(
      fx({ cancelTimers: ['t1#R'], persist: [rec('CREDIT', 1240, { resolution: 'TCC' })] }),
    );
    expect(c.decisionDurable('t1', 1250)).toEqual(
      fx({ resolutions: [{ txnId: 't1', resolution: 'TCC' }], finished: ['t1'] }),
    );
  });

  it('deemed, later declined → RET recorded, then REVERSAL until acked', () => {
    const c = deemed();
    expect(c.onBankResp(resp('CREDIT', 'CREDIT', false, 'U31'), 300)).toEqual(
      fx({ cancelTimers: ['t1#R'], persist: [rec('REVERSE', 300, { resolution: 'RET' })] }),
    );
    expect(c.decisionDurable('t1', 310)).toEqual(
      fx({
        send: [req('REVERSAL', 'DEBIT')],
        timers: [{ key: 't1#R', atMs: 360 }],
        resolutions: [{ txnId: 't1', resolution: 'RET' }],
      }),
    );
    expect(c.onBankResp(resp('CREDIT', 'CREDIT'), 311)).toEqual(NO_EFFECTS); // too late to matter
    expect(c.onBankResp(resp('REVERSAL', 'DEBIT'), 320)).toEqual(
      fx({ cancelTimers: ['t1#R'], finished: ['t1'] }),
    );
  });

  describe('recover', () => {
    const cases: [string, DecisionRecord[], Partial<Effects>][] = [
      [
        'CREDIT decided, nothing known: CREDIT again with a fresh timeout',
        [rec('CREDIT', 10)],
        {
          send: [req('CREDIT', 'CREDIT')],
          timers: [{ key: 't1#C', atMs: 1200 }],
        },
      ],
      [
        'credited: outcome again, finished',
        [rec('CREDIT', 10), rec('CREDIT', 30, { outcome: { status: 'SUCCESS', code: '00' } })],
        {
          outcomes: [{ txnId: 't1', status: 'SUCCESS', code: '00', decline: null }],
          finished: ['t1'],
        },
      ],
      [
        'deemed: outcome again, CREDIT resumed',
        [rec('CREDIT', 10), rec('CREDIT', 220, { outcome: { status: 'DEEMED', code: 'RB' } })],
        {
          send: [req('CREDIT', 'CREDIT')],
          timers: [{ key: 't1#R', atMs: 2000 }],
          outcomes: [{ txnId: 't1', status: 'DEEMED', code: 'RB', decline: 'TD' }],
        },
      ],
      [
        'deemed and returned: REVERSAL resumed',
        [
          rec('CREDIT', 10),
          rec('CREDIT', 220, { outcome: { status: 'DEEMED', code: 'RB' } }),
          rec('REVERSE', 300, { resolution: 'RET' }),
        ],
        {
          send: [req('REVERSAL', 'DEBIT')],
          timers: [{ key: 't1#R', atMs: 1050 }],
          outcomes: [{ txnId: 't1', status: 'DEEMED', code: 'RB', decline: 'TD' }],
          resolutions: [{ txnId: 't1', resolution: 'RET' }],
        },
      ],
      [
        'deemed and credited: finished',
        [
          rec('CREDIT', 10),
          rec('CREDIT', 220, { outcome: { status: 'DEEMED', code: 'RB' } }),
          rec('CREDIT', 300, { resolution: 'TCC' }),
        ],
        {
          outcomes: [{ txnId: 't1', status: 'DEEMED', code: 'RB', decline: 'TD' }],
          resolutions: [{ txnId: 't1', resolution: 'TCC' }],
          finished: ['t1'],
        },
      ],
      [
        'debit declined: outcome again, finished',
        [rec('ABORT', 10, { outcome: { status: 'DECLINED', code: 'Z9' } })],
        {
          outcomes: [{ txnId: 't1', status: 'DECLINED', code: 'Z9', decline: 'BD' }],
          finished: ['t1'],
        },
      ],
    ];
    it.each(cases)('%s', (_name, records, expected) => {
      expect(Coordinator.recover(cfg, records, [spec], 1000).effects).toEqual(fx(expected));
    });

    it('in-flight without a record: REVERSE recorded, then REVERSAL, never a CREDIT', () => {
      const { coordinator, effects } = Coordinator.recover(cfg, [], [spec], 1000);
      expect(effects).toEqual(
        fx({ persist: [rec('REVERSE', 1000, { outcome: { status: 'DECLINED', code: 'UT' } })] }),
      );
      expect(coordinator.onBankResp(resp('DEBIT', 'DEBIT'), 1001)).toEqual(NO_EFFECTS);
      expect(coordinator.decisionDurable('t1', 1002)).toEqual(
        fx({
          send: [req('REVERSAL', 'DEBIT')],
          timers: [{ key: 't1#R', atMs: 1052 }],
          outcomes: [{ txnId: 't1', status: 'DECLINED', code: 'UT', decline: 'TD' }],
        }),
      );
    });
  });
});

describe('effects helpers', () => {
  it('mergeEffects concatenates in order; the empty answer is shared and frozen', () => {
    const a = fx({ send: [req('DEBIT', 'DEBIT')], timers: [{ key: 'k', atMs: 1 }], finished: ['x'] });
    const b = fx({
      send: [req('CREDIT', 'CREDIT')],
      cancelTimers: ['j'],
      resolutions: [{ txnId: 'x', resolution: 'TCC' }],
    });
    expect(mergeEffects(a, b)).toEqual(
      fx({
        send: [req('DEBIT', 'DEBIT'), req('CREDIT', 'CREDIT')],
        timers: [{ key: 'k', atMs: 1 }],
        cancelTimers: ['j'],
        resolutions: [{ txnId: 'x', resolution: 'TCC' }],
        finished: ['x'],
      }),
    );
    expect(mergeEffects()).toBe(NO_EFFECTS);
    // Timers fold as if applied in turn: set then cancel → cancel only; cancel then set → set only.
    const set = (key: string, atMs: number) => fx({ timers: [{ key, atMs }] });
    const cancel = (key: string) => fx({ cancelTimers: [key] });
    expect(mergeEffects(set('k', 1), cancel('k'))).toEqual(cancel('k'));
    expect(mergeEffects(cancel('k'), set('k', 2), set('k', 3))).toEqual(set('k', 3));
    expect(isEmptyEffects(NO_EFFECTS)).toBe(true);
    expect(isEmptyEffects(a)).toBe(false);
    expect(Object.isFrozen(NO_EFFECTS.send)).toBe(true);
  });
});

import type { BankOp, BankReq, BankResp, ResponseCode, Side } from '../../domain/src';
import { Coordinator, NO_EFFECTS, type CoordinatorConfig, type Effects, type TxnSpec } from '../src';

const cfg: CoordinatorConfig = {
  protocol: 'classic-2pc',
  debitTimeoutMs: 100,
  creditTimeoutMs: 200,
  retryIntervalMs: 50,
  deemedRetryMs: 1000,
};
const spec: TxnSpec = {
  txnId: 't1',
  amountPaise: 500,
  debit: { bank: 'SBI', account: 'A' },
  credit: { bank: 'HDFC', account: 'B' },
};

function req(op: BankOp, side: Side): BankReq {
  const leg = side === 'DEBIT' ? spec.debit : spec.credit;
  return { type: 'BankReq', txnId: 't1', op, side, bank: leg.bank, account: leg.account, amountPaise: 500 };
}
function resp(op: BankOp, side: Side, ok = true, code: ResponseCode = ok ? '00' : 'U30'): BankResp {
  return { type: 'BankResp', txnId: 't1', op, side, bank: side === 'DEBIT' ? 'SBI' : 'HDFC', ok, code };
}
function fx(p: Partial<Effects>): Effects {
  return { ...NO_EFFECTS, ...p };
}

function started(): Coordinator {
  const c = new Coordinator(cfg);
  c.start(spec, 0);
  return c;
}

describe('Coordinator classic-2pc', () => {
  it('start sends PREPARE to both sides with one timeout each', () => {
    const c = new Coordinator(cfg);
    expect(c.start(spec, 1000)).toEqual(
      fx({
        send: [req('PREPARE', 'DEBIT'), req('PREPARE', 'CREDIT')],
        timers: [
          { key: 't1#D', atMs: 1100 },
          { key: 't1#C', atMs: 1200 },
        ],
      }),
    );
    expect(c.active).toBe(1);
  });

  it('both ok → COMMIT persisted, nothing sent until durable; then COMMIT to both and SUCCESS', () => {
    const c = started();
    expect(c.onBankResp(resp('PREPARE', 'DEBIT'), 10)).toEqual(fx({ cancelTimers: ['t1#D'] }));
    expect(c.onBankResp(resp('PREPARE', 'CREDIT'), 20)).toEqual(
      fx({
        cancelTimers: ['t1#C'],
        persist: [
          { txnId: 't1', decision: 'COMMIT', spec, at: 20, outcome: { status: 'SUCCESS', code: '00' } },
        ],
      }),
    );
    expect(c.decisionDurable('t1', 25)).toEqual(
      fx({
        send: [req('COMMIT', 'DEBIT'), req('COMMIT', 'CREDIT')],
        timers: [{ key: 't1#R', atMs: 75 }],
        outcomes: [{ txnId: 't1', status: 'SUCCESS', code: '00', decline: null }],
      }),
    );
    // Phase two resends only to the side that has not acked.
    expect(c.onBankResp(resp('COMMIT', 'CREDIT'), 30)).toEqual(NO_EFFECTS);
    // The next resend waits twice as long (resends back off, see resendAt).
    expect(c.onTimer('t1#R', 75)).toEqual(
      fx({ send: [req('COMMIT', 'DEBIT')], timers: [{ key: 't1#R', atMs: 175 }] }),
    );
    expect(c.onBankResp(resp('COMMIT', 'DEBIT'), 80)).toEqual(
      fx({ cancelTimers: ['t1#R'], finished: ['t1'] }),
    );
    expect(c.active).toBe(0);
  });

  it.each<[Side, boolean, ResponseCode, ResponseCode, 'TD' | 'BD']>([
    ['DEBIT', false, 'Z9', 'Z9', 'BD'],
    ['DEBIT', false, 'U30', 'U30', 'TD'],
    ['DEBIT', false, 'XY', 'XY', 'TD'],
    ['CREDIT', false, 'U31', 'U31', 'TD'],
    ['CREDIT', false, 'Y1', 'Y1', 'TD'],
  ])('%s side declines (ok=%s, %s) → ABORT with code %s', (side, ok, code, outCode, kind) => {
    const c = started();
    expect(c.onBankResp(resp('PREPARE', side, ok, code), 10)).toEqual(
      fx({
        cancelTimers: ['t1#D', 't1#C'],
        persist: [
          { txnId: 't1', decision: 'ABORT', spec, at: 10, outcome: { status: 'DECLINED', code: outCode } },
        ],
      }),
    );
    expect(c.decisionDurable('t1', 12)).toEqual(
      fx({
        send: [req('ABORT', 'DEBIT'), req('ABORT', 'CREDIT')],
        timers: [{ key: 't1#R', atMs: 62 }],
        outcomes: [{ txnId: 't1', status: 'DECLINED', code: outCode, decline: kind }],
      }),
    );
  });

  it('debit timeout → UT, credit timeout → BT; the other leg timer is cancelled', () => {
    const c = started();
    c.onBankResp(resp('PREPARE', 'CREDIT'), 5);
    expect(c.onTimer('t1#D', 100)).toEqual(
      fx({
        persist: [
          { txnId: 't1', decision: 'ABORT', spec, at: 100, outcome: { status: 'DECLINED', code: 'UT' } },
        ],
      }),
    );
    const d = started();
    d.onBankResp(resp('PREPARE', 'DEBIT'), 5);
    expect(d.onTimer('t1#C', 200)).toEqual(
      fx({
        persist: [
          { txnId: 't1', decision: 'ABORT', spec, at: 200, outcome: { status: 'DECLINED', code: 'BT' } },
        ],
      }),
    );
    const e = started();
    expect(e.onTimer('t1#D', 100)).toEqual(
      fx({
        cancelTimers: ['t1#C'],
        persist: [
          { txnId: 't1', decision: 'ABORT', spec, at: 100, outcome: { status: 'DECLINED', code: 'UT' } },
        ],
      }),
    );
  });

  it('late, duplicate, foreign and unknown answers change nothing', () => {
    const c = started();
    expect(c.onBankResp(resp('PREPARE', 'DEBIT'), 10).cancelTimers).toEqual(['t1#D']);
    expect(c.onBankResp(resp('PREPARE', 'DEBIT'), 11)).toEqual(NO_EFFECTS); // duplicate
    expect(c.onBankResp(resp('PREPARE', 'DEBIT', false, 'Z9'), 11)).toEqual(NO_EFFECTS); // contradicting duplicate
    expect(c.onBankResp({ ...resp('PREPARE', 'CREDIT'), bank: 'ICICI' }, 12)).toEqual(NO_EFFECTS);
    expect(c.onBankResp({ ...resp('PREPARE', 'CREDIT'), txnId: 'nope' }, 12)).toEqual(NO_EFFECTS);
    expect(c.onBankResp(resp('COMMIT', 'CREDIT'), 12)).toEqual(NO_EFFECTS); // phase-two ack before a decision
    expect(c.onTimer('t1#D', 100)).toEqual(NO_EFFECTS); // cancelled timer fired anyway
    expect(c.onTimer('garbage', 100)).toEqual(NO_EFFECTS);
    expect(c.onTimer('#R', 100)).toEqual(NO_EFFECTS);
    expect(c.onTimer('t1#C', 200).persist[0]!.outcome).toEqual({ status: 'DECLINED', code: 'BT' });
    // After the decision (durability pending): a late credit vote and timers do nothing.
    expect(c.onBankResp(resp('PREPARE', 'CREDIT'), 201)).toEqual(NO_EFFECTS);
    c.decisionDurable('t1', 202);
    expect(c.decisionDurable('t1', 203)).toEqual(NO_EFFECTS); // repeated durability notice
    expect(c.onBankResp(resp('PREPARE', 'CREDIT'), 204)).toEqual(NO_EFFECTS);
    expect(c.onBankResp(resp('COMMIT', 'DEBIT'), 204)).toEqual(NO_EFFECTS); // wrong phase-two op
    expect(c.onBankResp(resp('ABORT', 'DEBIT', false, 'U30'), 204)).toEqual(NO_EFFECTS); // negative ack: keep trying
    c.onBankResp(resp('ABORT', 'DEBIT'), 205);
    expect(c.onBankResp(resp('ABORT', 'CREDIT'), 206)).toEqual(
      fx({ cancelTimers: ['t1#R'], finished: ['t1'] }),
    );
    expect(c.onBankResp(resp('ABORT', 'CREDIT'), 207)).toEqual(NO_EFFECTS);
    expect(c.decisionDurable('t1', 208)).toEqual(NO_EFFECTS);
    expect(c.active).toBe(0);
  });

  it('rejects bad input with a clear error', () => {
    expect(() => new Coordinator({ ...cfg, retryIntervalMs: 0 })).toThrow(/retryIntervalMs/);
    expect(() => new Coordinator({ ...cfg, protocol: 'x' as 'upi' })).toThrow(/protocol/);
    const c = new Coordinator(cfg);
    expect(() => c.start({ ...spec, amountPaise: 1.5 }, 0)).toThrow(/amountPaise/);
    expect(() => c.start({ ...spec, amountPaise: -1 }, 0)).toThrow(/amountPaise/);
    expect(() => c.start({ ...spec, txnId: '' }, 0)).toThrow(/txnId/);
    expect(() => c.start({ ...spec, credit: { bank: '', account: 'B' } }, 0)).toThrow(/credit/);
    c.start(spec, 0);
    expect(() => c.start(spec, 0)).toThrow(/already active/);
    expect(c.active).toBe(1);
  });

  describe('recover', () => {
    const commit = {
      txnId: 't1',
      decision: 'COMMIT' as const,
      spec,
      at: 5,
      outcome: { status: 'SUCCESS' as const, code: '00' as const },
    };

    it('finishes phase two of decided txns and re-announces their outcome', () => {
      const { coordinator, effects } = Coordinator.recover(cfg, [commit], [spec], 1000);
      expect(effects).toEqual(
        fx({
          send: [req('COMMIT', 'DEBIT'), req('COMMIT', 'CREDIT')],
          timers: [{ key: 't1#R', atMs: 1050 }],
          outcomes: [{ txnId: 't1', status: 'SUCCESS', code: '00', decline: null }],
        }),
      );
      coordinator.onBankResp(resp('COMMIT', 'DEBIT'), 1001);
      expect(coordinator.onBankResp(resp('COMMIT', 'CREDIT'), 1002).finished).toEqual(['t1']);
    });

    it('presumes abort for in-flight txns: records ABORT, then ABORT to both sides, never COMMIT', () => {
      const { coordinator, effects } = Coordinator.recover(cfg, [], [spec], 1000);
      expect(effects).toEqual(
        fx({
          persist: [
            { txnId: 't1', decision: 'ABORT', spec, at: 1000, outcome: { status: 'DECLINED', code: 'UT' } },
          ],
        }),
      );
      // A late prepare-ok from before the crash cannot turn it into a commit.
      expect(coordinator.onBankResp(resp('PREPARE', 'DEBIT'), 1001)).toEqual(NO_EFFECTS);
      expect(coordinator.decisionDurable('t1', 1002)).toEqual(
        fx({
          send: [req('ABORT', 'DEBIT'), req('ABORT', 'CREDIT')],
          timers: [{ key: 't1#R', atMs: 1052 }],
          outcomes: [{ txnId: 't1', status: 'DECLINED', code: 'UT', decline: 'TD' }],
        }),
      );
    });
  });
});

import {
  DEFAULT_HANDLES,
  declineKind,
  handleRegistry,
  type ReqChkTxn,
  type ReqPay,
  type RespChkTxn,
  type RespPay,
  type ResponseCode,
  type TxnStatus,
} from '../../domain/src';
import { createAdmission, installVirtualGlobalClock, type LegAdmission } from '../../resilience/src';
import { VirtualTimers } from '../../sim/src/virtual-timers';
import type { Envelope } from '../../transport/src/bus';
import { InMemoryBus } from '../../transport/src/in-memory-bus';
import { TOPICS } from '../../transport/src/topics';
import { InMemoryIdempotencyStore } from '../src/idempotency';
import { PspCore, type PaymentObservation, type PspCoreOptions } from '../src/psp-core';

type Final = Exclude<TxnStatus, 'PENDING'>;
/** What the stand-in switch does with a ReqPay: answer after `afterMs`, or never (null). */
type Script = (req: ReqPay, n: number) => { afterMs: number; status: Final; code: ResponseCode } | null;

/** A test-local stand-in for the switch: counts ReqPays and ReqChkTxns and answers per script. */
class FakeSwitch {
  readonly reqPays: ReqPay[] = [];
  readonly checks: { at: number; req: ReqChkTxn }[] = [];
  /** What ReqChkTxn reports per txnId (UNKNOWN when absent). */
  readonly known = new Map<string, { status: TxnStatus; code: ResponseCode | null }>();

  constructor(
    private readonly bus: InMemoryBus,
    private readonly timers: VirtualTimers,
    public script: Script,
  ) {}

  async start(): Promise<void> {
    await this.bus.subscribe<ReqPay>(TOPICS.reqPay, 'switch', async (batch) => {
      for (const env of batch) this.onReqPay(env);
    });
    await this.bus.subscribe<ReqChkTxn>(TOPICS.chkTxn, 'switch', async (batch) => {
      for (const env of batch) {
        this.checks.push({ at: this.timers.now(), req: env.value });
        const k = this.known.get(env.value.txnId);
        const resp: RespChkTxn = {
          type: 'RespChkTxn',
          txnId: env.value.txnId,
          status: k?.status ?? 'UNKNOWN',
          code: k?.code ?? null,
        };
        await this.bus.reply(env, resp);
      }
    });
  }

  private onReqPay(env: Envelope<ReqPay>): void {
    this.reqPays.push(env.value);
    const plan = this.script(env.value, this.reqPays.length);
    if (!plan) return;
    this.timers.setTimer(plan.afterMs, () => {
      const resp: RespPay = {
        type: 'RespPay',
        txnId: env.value.txnId,
        status: plan.status,
        code: plan.code,
        decline: declineKind(plan.code),
      };
      this.known.set(env.value.txnId, { status: plan.status, code: plan.code });
      void this.bus.reply(env, resp);
    });
  }
}

const body = { payerVpa: 'asha@ybl', payeeVpa: 'ravi@okicici', amountPaise: 12_345, category: 'BILL' };
const success =
  (afterMs = 40): Script =>
  () => ({ afterMs, status: 'SUCCESS', code: '00' });

async function setup(
  script: Script,
  overrides: Partial<PspCoreOptions> | ((timers: VirtualTimers) => Partial<PspCoreOptions>) = {},
) {
  const timers = new VirtualTimers(1_000_000);
  const bus = new InMemoryBus({ timers });
  const sw = new FakeSwitch(bus, timers, script);
  await sw.start();
  const observed: PaymentObservation[] = [];
  let n = 0;
  const store = new InMemoryIdempotencyStore({ clock: timers });
  const core = new PspCore({
    bus,
    timers,
    handles: handleRegistry(Object.entries(DEFAULT_HANDLES)),
    limitPaise: 1_00_000_00,
    answerWaitMs: 15_000,
    upiTimeoutMs: 15_000,
    store,
    txnIds: () => `TXN${++n}`,
    observe: (o) => observed.push(o),
    ...(typeof overrides === 'function' ? overrides(timers) : overrides),
  });
  /** Starts a payment, runs virtual time until `until` (ms after now), and returns its answer. */
  const pay = async (key: string, b: unknown = body, runMs = 60_000) => {
    const p = core.pay(key, b);
    await timers.runUntil(timers.now() + runMs);
    return p;
  };
  return { timers, bus, sw, core, store, observed, pay };
}

describe('PspCore pay flow', () => {
  it('sends one ReqPay from the payer PSP and answers 200 with the outcome', async () => {
    const { sw, core, pay, observed, timers } = await setup(success(40));
    const t0 = timers.now();
    const r = await pay('k1');
    expect(r).toEqual({
      httpStatus: 200,
      body: { txnId: 'TXN1', status: 'SUCCESS', code: '00', decline: null, latencyMs: 40 },
      replayed: false,
    });
    expect(sw.reqPays).toHaveLength(1);
    expect(sw.reqPays[0]).toEqual({
      type: 'ReqPay',
      txnId: 'TXN1',
      pspId: 'PHONEPE',
      payerVpa: 'asha@ybl',
      payeeVpa: 'ravi@okicici',
      amountPaise: 12_345,
      category: 'BILL',
      initiation: 'CUSTOMER',
      createdAt: t0,
    });
    expect(core.get('TXN1')).toMatchObject({
      status: 'SUCCESS',
      source: 'RESP_PAY',
      statusChecks: 0,
      idempotencyKey: 'k1',
    });
    expect(observed.map((o) => [o.phase, o.record.status, o.latencyMs])).toEqual([
      ['ANSWERED', 'SUCCESS', 40],
    ]);
    expect(sw.checks).toHaveLength(0);
  });

  it('answers a business decline with its code and kind', async () => {
    const { pay } = await setup(() => ({ afterMs: 5, status: 'DECLINED', code: 'Z9' }));
    expect((await pay('k1')).body).toMatchObject({ status: 'DECLINED', code: 'Z9', decline: 'BD' });
  });

  it('answers a deemed approval as DEEMED with a technical decline code', async () => {
    const { pay } = await setup(() => ({ afterMs: 5, status: 'DEEMED', code: 'RB' }));
    expect((await pay('k1')).body).toMatchObject({ status: 'DEEMED', code: 'RB', decline: 'TD' });
  });

  it('answers 202 PENDING when the wait runs out, then records the late RespPay and replays the outcome', async () => {
    const { core, pay, sw, observed, timers } = await setup(success(8_000), { answerWaitMs: 2_000 });
    const first = core.pay('k1', body);
    await timers.runUntil(timers.now() + 2_000);
    expect(await first).toEqual({
      httpStatus: 202,
      body: { txnId: 'TXN1', status: 'PENDING' },
      replayed: false,
    });
    expect(core.get('TXN1')!.status).toBe('PENDING');
    expect(core.status('TXN1')).toMatchObject({ status: 'PENDING', latencyMs: null });
    await timers.runUntil(timers.now() + 10_000);
    expect(core.get('TXN1')).toMatchObject({ status: 'SUCCESS', source: 'RESP_PAY' });
    expect(core.status('TXN1')).toMatchObject({ status: 'SUCCESS', latencyMs: 8_000 });
    const again = await pay('k1');
    expect(again).toEqual({
      httpStatus: 200,
      body: { txnId: 'TXN1', status: 'SUCCESS', code: '00', decline: null, latencyMs: 8_000 },
      replayed: true,
    });
    expect(sw.reqPays).toHaveLength(1);
    expect(observed.map((o) => [o.phase, o.record.status, o.latencyMs])).toEqual([
      ['ANSWERED', 'PENDING', 2_000],
      ['RESOLVED', 'SUCCESS', 8_000],
    ]);
  });

  it('when the switch is silent: 202 at the UPI timeout, then status checks at NPCI spacing until known', async () => {
    const { core, pay, sw, timers } = await setup(() => null, { answerWaitMs: 30_000 });
    const t0 = timers.now();
    const r = await pay('k1', body, 16_000);
    expect(r.httpStatus).toBe(202);
    expect(core.get('TXN1')!.answeredAt! - t0).toBe(15_000);
    // The switch learns the outcome between the second and third check.
    await timers.runUntil(t0 + 200_000);
    sw.known.set('TXN1', { status: 'SUCCESS', code: '00' });
    await timers.runUntil(t0 + 1_000_000);
    expect(sw.checks.map((c) => c.at - t0)).toEqual([90_000, 180_000, 270_000]);
    expect(sw.checks.every((c) => c.req.pspId === 'PHONEPE' && c.req.txnId === 'TXN1')).toBe(true);
    expect(core.get('TXN1')).toMatchObject({ status: 'SUCCESS', source: 'CHK_TXN', statusChecks: 3 });
    expect((await pay('k1', body, 0)).body).toMatchObject({ status: 'SUCCESS', latencyMs: 270_000 });
    expect(sw.reqPays).toHaveLength(1);
  });

  it('stops after the allowed number of checks and leaves the payment PENDING', async () => {
    const { core, pay, sw, timers } = await setup(() => null);
    await pay('k1', body, 20_000);
    await timers.runUntil(timers.now() + 3_600_000);
    expect(sw.checks).toHaveLength(3);
    expect(core.get('TXN1')).toMatchObject({ status: 'PENDING', checksExhausted: true, statusChecks: 3 });
    expect(core.pending).toBe(1);
    expect(timers.pending).toBe(0);
  });

  it('takes the status-check policy as configuration', async () => {
    const { pay, sw, timers } = await setup(() => null, {
      statusChecks: { firstAfterMs: 45_000, intervalMs: 120_000, maxChecks: 2 },
    });
    const t0 = timers.now();
    await pay('k1', body, 20_000);
    await timers.runUntil(t0 + 3_600_000);
    expect(sw.checks.map((c) => c.at - t0)).toEqual([45_000, 165_000]);
  });

  it('keeps polling while the switch reports PENDING', async () => {
    const { core, pay, sw, timers } = await setup(() => null);
    sw.known.set('TXN1', { status: 'PENDING', code: '01' });
    const t0 = timers.now();
    await pay('k1', body, 20_000);
    await timers.runUntil(t0 + 100_000);
    sw.known.set('TXN1', { status: 'DECLINED', code: 'UT' });
    await timers.runUntil(t0 + 3_600_000);
    expect(core.get('TXN1')).toMatchObject({
      status: 'DECLINED',
      code: 'UT',
      decline: 'TD',
      statusChecks: 2,
    });
  });

  it('a malformed RespPay is not taken as an outcome', async () => {
    const { core, pay, bus, sw, timers } = await setup(() => null);
    // Answer ReqPay with garbage via a second responder group, then let checks find the truth.
    await bus.subscribe<ReqPay>(TOPICS.reqPay, 'garbage', async (batch) => {
      for (const env of batch)
        await bus.reply(env, { type: 'RespPay', txnId: env.value.txnId, status: 'MAYBE', code: '??' });
    });
    const r = await pay('k1', body, 1_000);
    expect(r.httpStatus).toBe(202);
    sw.known.set('TXN1', { status: 'SUCCESS', code: '00' });
    await timers.runUntil(timers.now() + 100_000);
    expect(core.get('TXN1')).toMatchObject({ status: 'SUCCESS', source: 'CHK_TXN' });
  });

  it('returns null for unknown transactions', async () => {
    const { core } = await setup(success());
    expect(core.get('nope')).toBeNull();
    expect(core.status('nope')).toBeNull();
  });
});

describe('PspCore idempotency', () => {
  it('concurrent retries with the same key and body share one ReqPay and one answer', async () => {
    const { core, sw, timers } = await setup(success(100));
    const ps = [core.pay('k1', body), core.pay('k1', { ...body }), core.pay('k1', body)];
    await timers.runUntil(timers.now() + 1_000);
    const rs = await Promise.all(ps);
    expect(sw.reqPays).toHaveLength(1);
    expect(rs.map((r) => r.replayed)).toEqual([false, true, true]);
    for (const r of rs) expect(r.body).toEqual(rs[0]!.body);
  });

  it('same key, different body → 409, whether the first is in flight or done; the first is untouched', async () => {
    const { core, sw, timers, pay } = await setup(success(100));
    const first = core.pay('k1', body);
    const clash = await core.pay('k1', { ...body, amountPaise: 99 });
    expect(clash.httpStatus).toBe(409);
    expect(clash.body).toEqual({
      error: expect.objectContaining({ code: 'IDEMPOTENCY_CONFLICT', field: 'Idempotency-Key' }),
    });
    await timers.runUntil(timers.now() + 1_000);
    expect((await first).httpStatus).toBe(200);
    expect((await pay('k1', { ...body, payeeVpa: 'meera@paytm' })).httpStatus).toBe(409);
    expect((await pay('k1', { ...body, note: 'different' })).httpStatus).toBe(409);
    expect(sw.reqPays).toHaveLength(1);
  });

  it('a sequential retry after the answer replays it without a second ReqPay', async () => {
    const { sw, pay } = await setup(success(10));
    const a = await pay('k1');
    const b = await pay('k1', { ...body, payerVpa: 'ASHA@YBL' }); // same request in canonical form
    expect(b).toEqual({ ...a, replayed: true });
    expect(sw.reqPays).toHaveLength(1);
  });

  it('different keys are different payments', async () => {
    const { sw, pay } = await setup(success(10));
    const a = await pay('k1');
    const b = await pay('k2');
    expect(a.body.txnId).not.toBe(b.body.txnId);
    expect(sw.reqPays).toHaveLength(2);
  });

  it('validation errors are answered 400, send nothing and do not burn the key', async () => {
    const { sw, pay } = await setup(success(10));
    const bad = await pay('k1', { ...body, amountPaise: -5 });
    expect(bad).toEqual({
      httpStatus: 400,
      body: { error: { code: 'AMOUNT_NOT_POSITIVE', message: expect.any(String), field: 'amountPaise' } },
      replayed: false,
    });
    expect((await pay('bad key!')).body).toMatchObject({ error: { code: 'INVALID_IDEMPOTENCY_KEY' } });
    expect((await pay(undefined as unknown as string)).body).toMatchObject({
      error: { code: 'MISSING_IDEMPOTENCY_KEY' },
    });
    expect(sw.reqPays).toHaveLength(0);
    expect((await pay('k1')).httpStatus).toBe(200);
    expect(sw.reqPays).toHaveLength(1);
  });

  it('two PSP processes sharing a store: the second gets 202 for the first one’s payment, no second ReqPay', async () => {
    const a = await setup(success(5_000));
    let n = 0;
    const other = new PspCore({
      bus: a.bus,
      timers: a.timers,
      handles: handleRegistry(Object.entries(DEFAULT_HANDLES)),
      limitPaise: 1_00_000_00,
      answerWaitMs: 15_000,
      upiTimeoutMs: 15_000,
      store: a.store,
      txnIds: () => `OTHER${++n}`,
    });
    const first = a.core.pay('k1', body);
    await a.timers.runUntil(a.timers.now() + 10);
    const second = await other.pay('k1', body);
    expect(second).toEqual({ httpStatus: 202, body: { txnId: 'TXN1', status: 'PENDING' }, replayed: true });
    await a.timers.runUntil(a.timers.now() + 10_000);
    expect((await first).httpStatus).toBe(200);
    const third = other.pay('k1', body);
    expect((await third).body).toMatchObject({ txnId: 'TXN1', status: 'SUCCESS' });
    expect(a.sw.reqPays).toHaveLength(1);
  });

  it('a PENDING answer stored for a key is upgraded to the outcome, so another process replays the outcome', async () => {
    const a = await setup(success(5_000), { answerWaitMs: 1_000 });
    const other = new PspCore({
      bus: a.bus,
      timers: a.timers,
      handles: handleRegistry(Object.entries(DEFAULT_HANDLES)),
      limitPaise: 1_00_000_00,
      answerWaitMs: 15_000,
      upiTimeoutMs: 15_000,
      store: a.store,
      txnIds: () => 'OTHER',
    });
    expect((await a.pay('k1', body, 2_000)).httpStatus).toBe(202);
    expect(await other.pay('k1', body)).toEqual({
      httpStatus: 202,
      body: { txnId: 'TXN1', status: 'PENDING' },
      replayed: true,
    });
    await a.timers.runUntil(a.timers.now() + 10_000);
    expect(await other.pay('k1', body)).toEqual({
      httpStatus: 200,
      body: { txnId: 'TXN1', status: 'SUCCESS', code: '00', decline: null, latencyMs: 5_000 },
      replayed: true,
    });
    expect(other.get('TXN1')).toBeNull();
    expect(a.sw.reqPays).toHaveLength(1);
  });

  it('runs are reproducible: the same inputs give the same records', async () => {
    const run = async () => {
      const s = await setup((_r, i) => ({
        afterMs: 10 * i,
        status: i % 3 ? 'SUCCESS' : 'DECLINED',
        code: i % 3 ? '00' : 'Z9',
      }));
      const out = [];
      for (let i = 0; i < 6; i++) out.push(await s.pay(`k${i}`, { ...body, amountPaise: 100 + i }, 100));
      return [out, ['TXN1', 'TXN6'].map((t) => s.core.get(t))];
    };
    expect(await run()).toEqual(await run());
  });
});

describe("PspCore's breaker toward the switch", () => {
  it('opens after the switch stops answering, refuses fast with 503 and gives the key back; closes when the switch is back', async () => {
    let up = false;
    let admission: LegAdmission | undefined;
    const { timers, sw, pay } = await setup(
      () => (up ? { afterMs: 10, status: 'SUCCESS', code: '00' } : null),
      (timers) => {
        admission = createAdmission(
          {
            policy: 'fixed',
            volumeThreshold: 3,
            errorThresholdPercentage: 50,
            resetTimeoutMs: 5_000,
            timeoutMs: 3_000,
          },
          { from: 'psp', clock: timers },
        );
        return { upiTimeoutMs: 1_000, answerWaitMs: 500, switchAdmission: admission };
      },
    );
    // opossum reads the global clock: put it on the test's virtual time.
    const uninstall = installVirtualGlobalClock(timers);
    try {
      for (let i = 0; i < 3; i++) expect((await pay(`down-${i}`, body, 2_000)).httpStatus).toBe(202);
      const sentBefore = sw.reqPays.length;
      const refused = await pay('refused', body, 10);
      expect(refused.httpStatus).toBe(503);
      expect(refused.body).toMatchObject({ error: { code: 'SWITCH_UNAVAILABLE' } });
      expect(sw.reqPays.length).toBe(sentBefore);
      // The switch recovers; after the reset timeout one trial goes through, and the same key works.
      up = true;
      await timers.runUntil(timers.now() + 6_000);
      const retried = await pay('refused', body, 1_000);
      expect(retried.httpStatus).toBe(200);
      expect(sw.reqPays.length).toBe(sentBefore + 1);
      expect((await pay('after', body, 1_000)).httpStatus).toBe(200);
      admission!.shutdown();
    } finally {
      uninstall();
    }
  });
});

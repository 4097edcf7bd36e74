import { Random } from '../../domain/src';
import { bank, harness } from './harness';

const BAL = 1_000_000;

describe('BankService', () => {
  it('caps throughput at capacity under overload; the excess queues and is served later', async () => {
    const h = await harness([bank('HDFC', { capacityTps: 200 })], { accounts: 50 });
    const sent = 2000; // 400/s for 5 s: twice the capacity
    for (let i = 0; i < sent; i++)
      h.sendAt(i * 2.5, h.req('HDFC', `T${i}`, 'CREDIT', 'CREDIT', `HDFC-${i % 50}`));
    await h.timers.runUntil(5000);
    const s5 = h.service.stats('HDFC');
    expect(s5.answered).toBeLessThanOrEqual(200 * 5 + 1);
    expect(s5.answered).toBeGreaterThan(200 * 4.9);
    expect(s5.queued).toBeGreaterThan(950);
    await h.timers.runUntil(Infinity);
    expect(h.answers).toHaveLength(sent);
    expect(h.answers.every((a) => a.resp.ok)).toBe(true);
    // No 1-second window ever sees more than capacity.
    const perSecond = new Map<number, number>();
    for (const a of h.answers)
      perSecond.set(Math.floor(a.at / 1000), (perSecond.get(Math.floor(a.at / 1000)) ?? 0) + 1);
    for (const n of perSecond.values()) expect(n).toBeLessThanOrEqual(201);
    // The backlog drains at capacity: the last answer comes about sent/capacity seconds in.
    expect(Math.max(...h.answers.map((a) => a.at))).toBeGreaterThan(9990);
    const sum = await h.ledger.summary();
    expect(sum.availablePaise - sum.openingPaise).toBe(sent * 100);
    expect(h.service.stats('HDFC')).toMatchObject({
      received: sent,
      answered: sent,
      inFlight: 0,
      queued: 0,
      dropped: 0,
    });
  });

  it('answers with log-normal latency through the median and p99', async () => {
    const h = await harness([bank('SBI', { latency: { medianMs: 50, p99Ms: 200 } })], { seed: 4 });
    const sentAt = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      sentAt.set(`T${i}`, i * 5);
      h.sendAt(i * 5, h.req('SBI', `T${i}`, 'CREDIT', 'CREDIT', `SBI-${i % 10}`));
    }
    await h.timers.runUntil(Infinity);
    const lat = h.answers.map((a) => a.at - sentAt.get(a.resp.txnId)!).sort((a, b) => a - b);
    expect(lat).toHaveLength(5000);
    const q = (p: number) => lat[Math.ceil(p * lat.length) - 1]!;
    expect(Math.abs(q(0.5) / 50 - 1)).toBeLessThan(0.06);
    expect(Math.abs(q(0.99) / 200 - 1)).toBeLessThan(0.15);
  });

  it('fails business ops technically at failureRate without touching the ledger, never phase two', async () => {
    const h = await harness([bank('AXIS', { failureRate: 0.1, capacityTps: 1e5 })], { accounts: 100 });
    const n = 5000;
    for (let i = 0; i < n; i++) h.sendAt(i, h.req('AXIS', `D${i}`, 'DEBIT', 'DEBIT', `AXIS-${i % 100}`));
    await h.timers.runUntil(Infinity);
    const xy = h.answers.filter((a) => !a.resp.ok).slice();
    expect(xy.every((a) => a.resp.code === 'XY')).toBe(true);
    // 3 sigma of binomial(5000, 0.1) is 0.0127.
    expect(Math.abs(xy.length / n - 0.1)).toBeLessThan(0.0127);
    const sum = await h.ledger.summary();
    expect(sum.openingPaise - sum.availablePaise).toBe((n - xy.length) * 100);
    for (const a of xy.slice(0, 50)) expect(await h.ledger.record(a.resp.txnId, 'DEBIT')).toBe('NONE');
    expect(h.service.stats('AXIS').declines).toEqual({ XY: xy.length });

    // Classic 2PC: prepare (some fail), then commit the prepared and abort the rest: phase two always answers OK.
    h.answers.length = 0;
    const t0 = h.timers.now();
    for (let i = 0; i < 1000; i++)
      h.sendAt(t0 + i, h.req('AXIS', `P${i}`, 'PREPARE', 'DEBIT', `AXIS-${i % 100}`));
    await h.timers.runUntil(Infinity);
    const prepared = h.answers.filter((a) => a.resp.ok).map((a) => a.resp.txnId);
    const failed = h.answers.filter((a) => !a.resp.ok).map((a) => a.resp.txnId);
    expect(failed.length).toBeGreaterThan(50);
    h.answers.length = 0;
    for (const t of prepared) await h.send(h.req('AXIS', t, 'COMMIT', 'DEBIT', 'AXIS-0'));
    for (const t of failed) await h.send(h.req('AXIS', t, 'ABORT', 'DEBIT', 'AXIS-0'));
    // UPI: a debit that failed technically is reversed (a tombstone, nothing moves).
    for (const a of xy) await h.send(h.req('AXIS', a.resp.txnId, 'REVERSAL', 'DEBIT', 'AXIS-0'));
    await h.timers.runUntil(Infinity);
    expect(h.answers).toHaveLength(prepared.length + failed.length + xy.length);
    expect(h.answers.every((a) => a.resp.ok && a.resp.code === '00')).toBe(true);
    const after = await h.ledger.summary();
    expect(after.heldPaise).toBe(0);
    expect(after.openingPaise - after.availablePaise).toBe((n - xy.length + prepared.length) * 100);
  });

  it('down: business ops declined XY/Y1 at once, phase two unanswered until the bank is back', async () => {
    const h = await harness([bank('YES')]);
    await h.send(h.req('YES', 'T1', 'PREPARE', 'DEBIT', 'YES-1'));
    await h.timers.runUntil(100);
    expect(h.answersFor('T1', 'PREPARE')).toEqual([{ at: 20, resp: expect.objectContaining({ ok: true }) }]);
    const before = await h.ledger.summary();

    h.service.setFault('YES', { kind: 'down' });
    await h.send(
      h.req('YES', 'T1', 'COMMIT', 'DEBIT', 'YES-1'),
      h.req('YES', 'T2', 'DEBIT', 'DEBIT', 'YES-2'),
      h.req('YES', 'T3', 'CREDIT', 'CREDIT', 'YES-3'),
    );
    await h.timers.runUntil(5000);
    expect(h.answersFor('T2')).toEqual([
      { at: 100, resp: expect.objectContaining({ ok: false, code: 'XY' }) },
    ]);
    expect(h.answersFor('T3')).toEqual([
      { at: 100, resp: expect.objectContaining({ ok: false, code: 'Y1' }) },
    ]);
    expect(h.answersFor('T1', 'COMMIT')).toEqual([]);
    expect(await h.ledger.summary()).toEqual(before);
    expect(await h.ledger.record('T1', 'DEBIT')).toBe('HELD');

    h.service.setFault('YES', null);
    await h.send(
      h.req('YES', 'T1', 'COMMIT', 'DEBIT', 'YES-1'),
      h.req('YES', 'T2', 'DEBIT', 'DEBIT', 'YES-2'),
    );
    await h.timers.runUntil(Infinity);
    expect(h.answersFor('T1', 'COMMIT')).toEqual([{ at: 5020, resp: expect.objectContaining({ ok: true }) }]);
    // The decline stands: a repeat of a declined operation never moves money.
    expect(h.answersFor('T2').map((a) => a.resp.code)).toEqual(['XY', 'XY']);
    expect(await h.ledger.record('T1', 'DEBIT')).toBe('CAPTURED');
    expect(await h.ledger.record('T2', 'DEBIT')).toBe('NONE');
  });

  it('a CBS that goes down while requests are queued does not process them', async () => {
    const h = await harness([bank('YES')]);
    await h.send(
      h.req('YES', 'Q1', 'DEBIT', 'DEBIT', 'YES-1'),
      h.req('YES', 'Q2', 'REVERSAL', 'DEBIT', 'YES-2'),
    );
    await h.timers.runUntil(10);
    h.service.setFault('YES', { kind: 'down' });
    await h.timers.runUntil(1000);
    expect(h.answers.map((a) => [a.at, a.resp.txnId, a.resp.code])).toEqual([[20, 'Q1', 'XY']]);
    expect(await h.ledger.record('Q1', 'DEBIT')).toBe('NONE');
    expect(h.service.stats('YES').dropped).toBe(1);
  });

  it('unreachable: nothing is answered; slow: answers come later by the extra latency', async () => {
    const h = await harness([bank('KOTAK')]);
    h.service.setFault('KOTAK', { kind: 'unreachable' });
    await h.send(
      h.req('KOTAK', 'U1', 'DEBIT', 'DEBIT', 'KOTAK-1'),
      h.req('KOTAK', 'U2', 'COMMIT', 'DEBIT', 'KOTAK-1'),
    );
    await h.timers.runUntil(10_000);
    expect(h.answers).toEqual([]);
    expect(h.service.stats('KOTAK')).toMatchObject({ received: 2, answered: 0, dropped: 2 });

    h.service.setFault('KOTAK', { kind: 'slow', extraLatencyMs: 500 });
    expect(h.service.fault('KOTAK')).toEqual({ kind: 'slow', extraLatencyMs: 500 });
    await h.send(h.req('KOTAK', 'S1', 'DEBIT', 'DEBIT', 'KOTAK-1'));
    await h.timers.runUntil(20_000);
    h.service.setFault('KOTAK', null);
    await h.send(h.req('KOTAK', 'S2', 'DEBIT', 'DEBIT', 'KOTAK-2'));
    await h.timers.runUntil(Infinity);
    expect(h.answers.map((a) => [a.at, a.resp.txnId, a.resp.ok])).toEqual([
      [10_520, 'S1', true],
      [20_020, 'S2', true],
    ]);
    // U1 was lost with the network, not queued: it never moved money.
    expect(await h.ledger.record('U1', 'DEBIT')).toBe('NONE');
  });

  it('the same message twice moves money once', async () => {
    const h = await harness([bank('ICICI')]);
    const d = h.req('ICICI', 'T1', 'DEBIT', 'DEBIT', 'ICICI-1', 700);
    const c = h.req('ICICI', 'T1', 'CREDIT', 'CREDIT', 'ICICI-2', 700);
    await h.send(d, d, c);
    await h.timers.runUntil(500);
    await h.send(d, c);
    await h.timers.runUntil(1000);
    // Repeats of a done operation are answered from the ledger even while the CBS is down.
    h.service.setFault('ICICI', { kind: 'down' });
    await h.send(d, c);
    await h.timers.runUntil(Infinity);
    expect(h.answersFor('T1', 'DEBIT').map((a) => a.resp.code)).toEqual(['00', '00', '00', '00']);
    expect(h.answersFor('T1', 'CREDIT').map((a) => a.resp.code)).toEqual(['00', '00', '00']);
    expect((await h.ledger.account('ICICI-1'))!.availablePaise).toBe(BAL - 700);
    expect((await h.ledger.account('ICICI-2'))!.availablePaise).toBe(BAL + 700);
  });

  it('duplicates racing through random failures and reordering always get one consistent answer', async () => {
    const h = await harness(
      [bank('PAYTM', { failureRate: 0.3, capacityTps: 1e4, latency: { medianMs: 20, p99Ms: 300 } })],
      { accounts: 40, seed: 9 },
    );
    const rng = new Random(77);
    const n = 600;
    for (let i = 0; i < n; i++) {
      const d = h.req('PAYTM', `T${i}`, 'DEBIT', 'DEBIT', `PAYTM-${i % 40}`);
      const c = h.req('PAYTM', `T${i}`, 'CREDIT', 'CREDIT', `PAYTM-${(i + 7) % 40}`);
      const t = i * 2;
      for (let k = 0; k < 3; k++) {
        h.sendAt(t + rng.int(200), d);
        h.sendAt(t + rng.int(200), c);
      }
    }
    await h.timers.runUntil(Infinity);
    let debited = 0;
    let credited = 0;
    for (let i = 0; i < n; i++) {
      for (const op of ['DEBIT', 'CREDIT'] as const) {
        const codes = new Set(h.answersFor(`T${i}`, op).map((a) => a.resp.code));
        expect(h.answersFor(`T${i}`, op)).toHaveLength(3);
        expect(codes.size).toBe(1);
        if (codes.has('00')) {
          if (op === 'DEBIT') debited++;
          else credited++;
        }
        expect(await h.ledger.record(`T${i}`, op)).toBe(
          codes.has('00') ? (op === 'DEBIT' ? 'DEBITED' : 'CREDITED') : 'NONE',
        );
      }
    }
    expect(debited).toBeGreaterThan(300);
    expect(debited).toBeLessThan(n);
    const sum = await h.ledger.summary();
    expect(sum.availablePaise - sum.openingPaise).toBe((credited - debited) * 100);
  });

  it('applies requests completing at the same instant with one ledger call', async () => {
    const h = await harness([bank('SBI', { capacityTps: 1e6, latency: { medianMs: 20.5, p99Ms: 20.5 } })]);
    const apply = jest.spyOn(h.ledger, 'apply');
    await h.send(
      ...Array.from({ length: 50 }, (_, i) => h.req('SBI', `B${i}`, 'CREDIT', 'CREDIT', `SBI-${i % 10}`)),
    );
    await h.timers.runUntil(100);
    expect(apply).toHaveBeenCalledTimes(1);
    expect(apply.mock.calls[0]![0]).toHaveLength(50);
    expect(h.answers).toHaveLength(50);
    expect(new Set(h.answers.map((a) => a.at))).toEqual(new Set([21]));
    // Three instants, three calls.
    h.sendAt(200, h.req('SBI', 'C1', 'CREDIT', 'CREDIT', 'SBI-1'));
    h.sendAt(
      205,
      h.req('SBI', 'C2', 'CREDIT', 'CREDIT', 'SBI-1'),
      h.req('SBI', 'C3', 'CREDIT', 'CREDIT', 'SBI-2'),
    );
    h.sendAt(210, h.req('SBI', 'C4', 'CREDIT', 'CREDIT', 'SBI-1'));
    await h.timers.runUntil(Infinity);
    expect(apply.mock.calls.map((c) => c[0].length)).toEqual([50, 1, 2, 1]);
    expect(h.service.stats('SBI')).toMatchObject({ batches: 4, ledgerOps: 54, answered: 54 });
  });

  it('puts requests completing while a ledger batch is in flight into the next batch', async () => {
    const h = await harness([bank('SBI', { capacityTps: 1e6, latency: { medianMs: 20.5, p99Ms: 20.5 } })]);
    const real = h.ledger.apply.bind(h.ledger);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const apply = jest.spyOn(h.ledger, 'apply').mockImplementationOnce(async (ops) => {
      await gate; // a slow round trip: the next completions queue behind it
      return real(ops);
    });
    for (let i = 0; i < 4; i++) h.sendAt(i, h.req('SBI', `G${i}`, 'CREDIT', 'CREDIT', `SBI-${i}`));
    await h.timers.runUntil(100);
    expect(apply).toHaveBeenCalledTimes(1);
    expect(h.answers).toHaveLength(0);
    release();
    await h.timers.runUntil(Infinity);
    await h.service.idle();
    expect(apply.mock.calls.map((c) => c[0].length)).toEqual([1, 3]);
    expect(h.answers.map((a) => a.resp.txnId).sort()).toEqual(['G0', 'G1', 'G2', 'G3']);
    expect(h.answers.every((a) => a.resp.ok)).toBe(true);
    expect(h.service.stats('SBI')).toMatchObject({ batches: 2, ledgerOps: 4, answered: 4 });
  });

  it('keeps malformed requests away from the ledger', async () => {
    const h = await harness([bank('SBI'), bank('HDFC')]);
    const apply = jest.spyOn(h.ledger, 'apply');
    await h.bus.publish('upi.bank.req.SBI', [
      { key: 'x', value: { hello: 'world' } },
      { key: 'x', value: h.req('HDFC', 'W1', 'DEBIT', 'DEBIT', 'HDFC-1') },
      { key: 'x', value: { ...h.req('SBI', 'W2', 'DEBIT', 'DEBIT', 'SBI-1'), op: 'STEAL' } },
      { key: 'x', value: h.req('SBI', 'W3', 'DEBIT', 'DEBIT', 'SBI-1', 1.5) },
      { key: 'x', value: h.req('SBI', 'W4', 'CREDIT', 'CREDIT', 'SBI-1', -5) },
    ]);
    await h.timers.runUntil(Infinity);
    expect(apply).not.toHaveBeenCalled();
    expect(h.answers.map((a) => [a.resp.txnId, a.resp.code])).toEqual([
      ['W3', 'U30'],
      ['W4', 'U31'],
    ]);
    expect(h.service.stats('SBI')).toMatchObject({
      received: 5,
      invalid: 3,
      answered: 2,
      declines: { U30: 1, U31: 1 },
    });
    expect(() => h.service.setFault('NOPE', null)).toThrow(/not hosted/);
  });

  it('survives a failing ledger: the batch goes unanswered, later batches are served', async () => {
    const h = await harness([bank('SBI')]);
    const apply = jest.spyOn(h.ledger, 'apply').mockRejectedValueOnce(new Error('redis gone'));
    await h.send(h.req('SBI', 'F1', 'CREDIT', 'CREDIT', 'SBI-1'));
    await h.timers.runUntil(100);
    await h.send(h.req('SBI', 'F1', 'CREDIT', 'CREDIT', 'SBI-1'));
    await h.timers.runUntil(Infinity);
    expect(apply).toHaveBeenCalledTimes(2);
    expect(h.answers.map((a) => [a.at, a.resp.code])).toEqual([[120, '00']]);
    expect(h.service.stats('SBI')).toMatchObject({ ledgerErrors: 1, dropped: 1, answered: 1 });
  });

  it('stops cleanly, abandoning work not yet due', async () => {
    const h = await harness([bank('SBI')]);
    await h.send(h.req('SBI', 'X1', 'CREDIT', 'CREDIT', 'SBI-1'));
    await h.timers.runUntil(5);
    await h.service.stop();
    await h.send(h.req('SBI', 'X2', 'CREDIT', 'CREDIT', 'SBI-1'));
    await h.timers.runUntil(Infinity);
    expect(h.answers).toEqual([]);
    expect(h.service.stats('SBI')).toMatchObject({ received: 1, dropped: 1, inFlight: 0 });
    expect(await h.ledger.record('X1', 'CREDIT')).toBe('NONE');
  });
});

import { Random } from '../../domain/src';
import { BankModel } from '../src/bank-model';
import { type BankProfile, logNormalSigma, validateProfile } from '../src/bank-profile';

const profile = (over: Partial<BankProfile> = {}): BankProfile => ({
  id: 'SBI',
  capacityTps: 1000,
  latency: { medianMs: 50, p99Ms: 200 },
  failureRate: 0,
  ...over,
});

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

describe('BankModel', () => {
  it('never serves more than capacityTps; the excess queues', () => {
    const m = new BankModel(profile({ capacityTps: 1000 }), new Random(1), { tickMs: 0 });
    const done: number[] = [];
    // Twice the capacity for 5 s.
    for (let i = 0; i < 10_000; i++) {
      const a = m.admit({ op: 'CREDIT', side: 'CREDIT' }, i * 0.5);
      if (a.kind !== 'serve') throw new Error('expected service');
      done.push(a.doneAt);
    }
    for (const t of [500, 1000, 2500, 5000, 8000]) {
      const n = done.filter((d) => d <= t).length;
      expect(n).toBeLessThanOrEqual((1000 * t) / 1000 + 1);
      // Saturated: it does serve at capacity, minus what is still in its latency.
      expect(n).toBeGreaterThan((1000 * (t - 400)) / 1000);
    }
    // At 5 s half the arrivals are still waiting for a slot.
    expect(m.queued(5000)).toBeGreaterThan(4900);
    expect(m.queued(5000)).toBeLessThan(5100);
    // The queue drains at capacity: the last request starts about 10 s in.
    expect(Math.max(...done)).toBeGreaterThan(9999);
    expect(m.queued(10_000)).toBe(0);
  });

  it('samples latency log-normal through the median and p99', () => {
    expect(logNormalSigma(50, 200)).toBeCloseTo(Math.log(4) / 2.326, 10);
    const m = new BankModel(profile(), new Random(7), { tickMs: 0 });
    const lat: number[] = [];
    for (let i = 0; i < 40_000; i++) {
      const now = i * 10; // far below capacity: no queueing
      const a = m.admit({ op: 'DEBIT', side: 'DEBIT' }, now);
      if (a.kind !== 'serve') throw new Error('expected service');
      lat.push(a.doneAt - now);
    }
    expect(Math.abs(quantile(lat, 0.5) / 50 - 1)).toBeLessThan(0.03);
    expect(Math.abs(quantile(lat, 0.99) / 200 - 1)).toBeLessThan(0.08);
    expect(Math.min(...lat)).toBeGreaterThan(0);
  });

  it('puts completions on the tick grid so they batch', () => {
    const m = new BankModel(profile(), new Random(3), { tickMs: 5 });
    for (let i = 0; i < 100; i++) {
      const a = m.admit({ op: 'CREDIT', side: 'CREDIT' }, i * 3.3);
      if (a.kind !== 'serve') throw new Error('expected service');
      expect(a.doneAt % 5).toBe(0);
      expect(a.doneAt).toBeGreaterThan(i * 3.3);
    }
  });

  it('fails business ops at failureRate (XY debit side, Y1 credit side) and never phase two', () => {
    const m = new BankModel(profile({ capacityTps: 1e6, failureRate: 0.05 }), new Random(11));
    const n = 20_000;
    let debitFails = 0;
    let creditFails = 0;
    for (let i = 0; i < n; i++) {
      const d = m.admit({ op: i % 2 ? 'DEBIT' : 'PREPARE', side: 'DEBIT' }, i);
      const c = m.admit({ op: i % 2 ? 'CREDIT' : 'PREPARE', side: 'CREDIT' }, i);
      if (d.kind !== 'serve' || c.kind !== 'serve') throw new Error('expected service');
      if (d.fail) debitFails++;
      if (c.fail) creditFails++;
      if (d.fail) expect(d.fail).toBe('XY');
      if (c.fail) expect(c.fail).toBe('Y1');
    }
    // 3 sigma of a binomial(20000, 0.05) is about 0.0046.
    expect(Math.abs(debitFails / n - 0.05)).toBeLessThan(0.0046);
    expect(Math.abs(creditFails / n - 0.05)).toBeLessThan(0.0046);

    const always = new BankModel(profile({ capacityTps: 1e6, failureRate: 1 }), new Random(12));
    for (const op of ['COMMIT', 'ABORT', 'REVERSAL'] as const) {
      for (let i = 0; i < 1000; i++) {
        const a = always.admit({ op, side: 'DEBIT' }, i);
        expect(a).toMatchObject({ kind: 'serve', fail: null });
      }
    }
    expect(always.admit({ op: 'CREDIT', side: 'CREDIT' }, 0)).toMatchObject({ kind: 'serve', fail: 'Y1' });
  });

  it('down: business ops declined at once, phase two unanswered; unreachable: nothing; slow: extra latency', () => {
    const m = new BankModel(profile({ latency: { medianMs: 20, p99Ms: 20 } }), new Random(5), { tickMs: 0 });
    m.setFault({ kind: 'down' });
    expect(m.admit({ op: 'DEBIT', side: 'DEBIT' }, 0)).toEqual({ kind: 'decline-now', code: 'XY' });
    expect(m.admit({ op: 'PREPARE', side: 'CREDIT' }, 0)).toEqual({ kind: 'decline-now', code: 'Y1' });
    for (const op of ['COMMIT', 'ABORT', 'REVERSAL'] as const)
      expect(m.admit({ op, side: 'DEBIT' }, 0)).toEqual({ kind: 'drop' });
    expect(m.complete('CREDIT')).toBe('decline');
    expect(m.complete('COMMIT')).toBe('drop');
    expect(m.queued(0)).toBe(0); // a down bank takes no capacity

    m.setFault({ kind: 'unreachable' });
    for (const op of ['DEBIT', 'COMMIT'] as const)
      expect(m.admit({ op, side: 'DEBIT' }, 0)).toEqual({ kind: 'drop' });
    expect(m.complete('DEBIT')).toBe('drop');

    m.setFault({ kind: 'slow', extraLatencyMs: 300 });
    expect(m.admit({ op: 'DEBIT', side: 'DEBIT' }, 100)).toEqual({ kind: 'serve', doneAt: 420, fail: null });
    expect(m.complete('DEBIT')).toBe('process');

    m.setFault(null);
    expect(m.admit({ op: 'DEBIT', side: 'DEBIT' }, 1000)).toEqual({
      kind: 'serve',
      doneAt: 1020,
      fail: null,
    });
  });

  it('rejects profiles and faults it cannot model', () => {
    expect(() => validateProfile(profile({ capacityTps: 0 }))).toThrow(/capacityTps/);
    expect(() => validateProfile(profile({ latency: { medianMs: 50, p99Ms: 10 } }))).toThrow(/p99Ms/);
    expect(() => validateProfile(profile({ failureRate: 1.5 }))).toThrow(/failureRate/);
    const m = new BankModel(profile(), new Random(1));
    expect(() => m.setFault({ kind: 'slow', extraLatencyMs: -1 })).toThrow(/extraLatencyMs/);
    expect(() => m.setFault({ kind: 'melted' } as never)).toThrow(/unknown bank fault/);
  });

  it('replays exactly from a seed', () => {
    const run = () => {
      const m = new BankModel(profile({ failureRate: 0.2 }), new Random(99));
      return Array.from({ length: 200 }, (_, i) => m.admit({ op: 'DEBIT', side: 'DEBIT' }, i * 0.7));
    };
    expect(run()).toEqual(run());
  });
});

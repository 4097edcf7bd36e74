import { Random, type SettlementEntry } from '../../domain/src';
import { ClearingCore } from '../src/clearing-core';

const BANKS = ['SBI', 'HDFC', 'ICICI', 'YES', 'AXIS', 'PAYTM', 'KOTAK'];

const pay = (txnId: string, from: string, to: string, amountPaise: number, at = 0): SettlementEntry => ({
  type: 'SettlementEntry',
  txnId,
  kind: 'PAY',
  remitterBank: from,
  beneficiaryBank: to,
  amountPaise,
  at,
});
const ret = (e: SettlementEntry): SettlementEntry => ({ ...e, kind: 'RET' });

describe('ClearingCore', () => {
  it('nets to zero in every cycle over random seeded entry sets, and cycles partition the entries', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rng = new Random(seed);
      const core = new ClearingCore({ cycleMs: 1000 });
      const expected = new Map<string, number>();
      const sent: SettlementEntry[] = [];
      let accepted = 0;
      let now = 0;
      for (let i = 0; i < 400; i++) {
        now += rng.exponential(20);
        if (now >= core.nextCutoff) core.closeCycle(core.nextCutoff);
        // A mix of fresh payments, returns of earlier ones and redeliveries.
        const r = rng.next();
        let e: SettlementEntry;
        if (r < 0.1 && sent.length > 0) e = rng.pick(sent);
        else if (r < 0.2 && sent.length > 0) e = ret(rng.pick(sent));
        else e = pay(`T${seed}-${i}`, rng.pick(BANKS), rng.pick(BANKS), 1 + rng.int(1_00_000_00), now);
        const fresh = core.add(e);
        if (fresh) {
          accepted++;
          sent.push(e);
          const [from, to] =
            e.kind === 'PAY' ? [e.remitterBank, e.beneficiaryBank] : [e.beneficiaryBank, e.remitterBank];
          expected.set(from, (expected.get(from) ?? 0) - e.amountPaise);
          expected.set(to, (expected.get(to) ?? 0) + e.amountPaise);
        }
      }
      core.closeCycle(now);
      const reports = core.reports();
      const summed = new Map<string, number>();
      for (const rep of reports) {
        expect(rep.sum).toBe(0);
        expect(Object.values(rep.netPositions).reduce((a, b) => a + b, 0)).toBe(0);
        expect(rep.entries).toBe(rep.pays + rep.rets);
        for (const [b, v] of Object.entries(rep.netPositions)) summed.set(b, (summed.get(b) ?? 0) + v);
      }
      // Every accepted entry lands in exactly one cycle; cycles tile the time line.
      expect(reports.reduce((n, r) => n + r.entries, 0)).toBe(accepted);
      reports.forEach((r, i) => {
        expect(r.cycle).toBe(i + 1);
        if (i > 0) expect(r.openedAt).toBe(reports[i - 1]!.closedAt);
      });
      expect(core.totals()).toEqual(Object.fromEntries(expected));
      for (const [b, v] of expected) expect(summed.get(b)).toBe(v);
    }
  });

  it('counts a duplicate (same txnId and kind) only once', () => {
    const core = new ClearingCore({ cycleMs: 100 });
    const e = pay('T1', 'SBI', 'HDFC', 5000);
    expect(core.add(e)).toBe(true);
    expect(core.add({ ...e })).toBe(false);
    expect(core.add({ ...e, amountPaise: 9999 })).toBe(false);
    core.closeCycle(100);
    expect(core.add(e)).toBe(false); // also across cycles
    const [r1, r2] = [core.closeCycle(200), core.reports()[0]!];
    expect(r2).toMatchObject({
      entries: 1,
      grossPaise: 5000,
      netPositions: { SBI: -5000, HDFC: 5000 },
      sum: 0,
    });
    expect(r1).toMatchObject({ entries: 0, grossPaise: 0, netPositions: {} });
    expect(core.duplicateCount).toBe(3);
    expect(core.totals()).toEqual({ SBI: -5000, HDFC: 5000 });
  });

  it('RET reverses PAY, in the same cycle or a later one', () => {
    const core = new ClearingCore({ cycleMs: 100 });
    const a = pay('A', 'SBI', 'HDFC', 700);
    const b = pay('B', 'ICICI', 'SBI', 300);
    core.add(a);
    core.add(ret(a));
    core.add(b);
    expect(core.closeCycle(100)).toMatchObject({
      entries: 3,
      pays: 2,
      rets: 1,
      grossPaise: 1700,
      netPositions: { HDFC: 0, ICICI: -300, SBI: 300 },
    });
    core.add(ret(b));
    expect(core.add(ret(b))).toBe(false);
    expect(core.closeCycle(200).netPositions).toEqual({ ICICI: 300, SBI: -300 });
    expect(core.totals()).toEqual({ SBI: 0, HDFC: 0, ICICI: 0 });
  });

  it('rejects malformed entries with a clear error and counts nothing', () => {
    const core = new ClearingCore({ cycleMs: 100 });
    expect(() => core.add(pay('X', 'SBI', 'HDFC', 1.5))).toThrow(/amountPaise/);
    expect(() => core.add(pay('X', 'SBI', 'HDFC', -1))).toThrow(/amountPaise/);
    expect(() => core.add({ ...pay('X', 'SBI', 'HDFC', 1), kind: 'REFUND' as 'PAY' })).toThrow(/kind/);
    expect(() => core.add(pay('', 'SBI', 'HDFC', 1))).toThrow(/txnId/);
    expect(() => core.add(pay('X', '', 'HDFC', 1))).toThrow(/remitterBank/);
    expect(core.add(pay('X', 'SBI', 'HDFC', 1))).toBe(true); // the bad attempts did not mark X as seen
    expect(() => core.closeCycle(-1)).toThrow(/earlier/);
    expect(() => new ClearingCore({ cycleMs: 0 })).toThrow(/cycleMs/);
  });
});

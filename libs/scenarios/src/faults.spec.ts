import { join } from 'node:path';
import {
  activeFaults,
  bankFaultAt,
  buildTopology,
  faultActions,
  faultTimeline,
  loadScenario,
  parseScenario,
  type Fault,
} from '.';

describe('faultTimeline', () => {
  it('converts to ms and sorts by start', () => {
    const base = loadScenario(join(__dirname, '../../../scenarios/smoke.yaml'));
    const s = parseScenario(
      JSON.stringify({
        ...base,
        faults: [
          { atSec: 9, durationSec: 1.5, kind: 'bank-slow', bank: 'SBI', extraLatencyMs: 300 },
          { atSec: 2, durationSec: 3, kind: 'bank-unreachable', bank: 'HDFC' },
          { atSec: 2, durationSec: 1, kind: 'bank-down', bank: 'ICICI' },
        ],
      }),
      'json',
    );
    const tl = faultTimeline(s);
    expect(tl).toEqual([
      {
        kind: 'bank-unreachable',
        bank: 'HDFC',
        atMs: 2000,
        untilMs: 5000,
        durationMs: 3000,
        extraLatencyMs: 0,
      },
      { kind: 'bank-down', bank: 'ICICI', atMs: 2000, untilMs: 3000, durationMs: 1000, extraLatencyMs: 0 },
      { kind: 'bank-slow', bank: 'SBI', atMs: 9000, untilMs: 10500, durationMs: 1500, extraLatencyMs: 300 },
    ]);
    expect(activeFaults(tl, 1999)).toEqual([]);
    expect(activeFaults(tl, 2000).map((f) => f.bank)).toEqual(['HDFC', 'ICICI']);
    expect(activeFaults(tl, 3000).map((f) => f.bank)).toEqual(['HDFC']);
    expect(activeFaults(tl, 10000, 'SBI')).toHaveLength(1);
    expect(activeFaults(tl, 10000, 'HDFC')).toHaveLength(0);
    expect(activeFaults(tl, 10500)).toEqual([]);
  });
});

describe('bankFaultAt: the fault a bank is under', () => {
  const f = (kind: Fault['kind'], bank: string, atSec: number, untilSec: number): Fault => ({
    kind,
    bank,
    atMs: atSec * 1000,
    untilMs: untilSec * 1000,
    durationMs: (untilSec - atSec) * 1000,
    extraLatencyMs: kind === 'bank-slow' ? 300 : 0,
  });
  const slow = f('bank-slow', 'HDFC', 10, 60);
  const down = f('bank-down', 'HDFC', 30, 35);
  const other = f('bank-unreachable', 'SBI', 0, 100);
  const tl = [other, slow, down];

  it('nests overlapping faults: the one that started last applies, then the outer one again', () => {
    const at = (sec: number) => bankFaultAt(tl, 'HDFC', sec * 1000)?.kind ?? null;
    expect([0, 10, 29.999, 30, 34.999, 35, 59.999, 60].map(at)).toEqual([
      null,
      'bank-slow',
      'bank-slow',
      'bank-down',
      'bank-down',
      'bank-slow',
      'bank-slow',
      null,
    ]);
    expect(bankFaultAt(tl, 'SBI', 50_000)).toBe(other);
    expect(bankFaultAt(tl, 'KOTAK', 50_000)).toBeNull();
  });

  it('on the same start, the later in timeline order applies', () => {
    const a = f('bank-slow', 'HDFC', 5, 9);
    const b = f('bank-down', 'HDFC', 5, 7);
    expect(bankFaultAt([a, b], 'HDFC', 6000)).toBe(b);
    expect(bankFaultAt([a, b], 'HDFC', 7000)).toBe(a);
  });
});

describe('faultActions: the calls a fault timeline makes', () => {
  it('puts each bank state and throttle in time order, nesting overlaps; a kill has no restart', () => {
    const base = loadScenario(join(__dirname, '../../../scenarios/smoke.yaml'));
    const s = parseScenario(
      JSON.stringify({
        ...base,
        scale: 0.5,
        faults: [
          { atSec: 10, durationSec: 50, kind: 'bank-slow', bank: 'HDFC', extraLatencyMs: 300 },
          { atSec: 30, durationSec: 5, kind: 'bank-down', bank: 'HDFC' },
          { atSec: 20, durationSec: 10, kind: 'psp-throttle', psp: 'PAYTM', ratePerSec: 100, status: 503 },
          { atSec: 40, durationSec: 2, kind: 'switch-leader-kill' },
        ],
      }),
      'json',
    );
    const calls = faultActions(s, buildTopology(s)).map(
      (a) => `${a.atMs / 1000} ${a.action} ${a.kind} ${a.bank ?? a.target} ${JSON.stringify(a.body)}`,
    );
    const paytm = JSON.stringify(buildTopology(s).psps.find((p) => p.id === 'PAYTM')!.handles);
    expect(calls).toEqual([
      '10 set bank-slow HDFC {"kind":"slow","extraLatencyMs":300}',
      `20 set psp-throttle psps {"ratePerSec":50,"status":503,"handles":${paytm}}`,
      '30 clear psp-throttle psps null',
      '30 set bank-down HDFC {"kind":"down"}',
      // The outage ends inside the slow spell: slow again, not healthy.
      '35 clear bank-down HDFC {"kind":"slow","extraLatencyMs":300}',
      '40 set switch-leader-kill switch-leader null',
      '60 clear bank-slow HDFC null',
    ]);
  });
});

import { join } from 'node:path';
import { activeFaults, faultTimeline, loadScenario, parseScenario } from '.';

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

import type { RunResult } from '../../../../libs/scenarios/src';
import { formatLoadSummary, parseStatusPoll } from './load.command';

describe('--status-poll', () => {
  it('reads first,every,max in seconds', () => {
    expect(parseStatusPoll('45,90,3')).toEqual({ firstAfterMs: 45_000, everyMs: 90_000, maxPolls: 3 });
    expect(parseStatusPoll(' 0.5 , 1 , 1 ')).toEqual({ firstAfterMs: 500, everyMs: 1000, maxPolls: 1 });
  });

  it('refuses anything else with the expected form', () => {
    for (const bad of ['45,90', '45,0,3', '-1,90,3', '45,90,0', '45,90,2.5', 'a,b,c', '45,90,3,4'])
      expect(() => parseStatusPoll(bad)).toThrow(/--status-poll: expected "first,every,max"/);
  });
});

describe('formatLoadSummary', () => {
  const result = (invariantOk: boolean) =>
    ({
      invariants: [{ name: 'money conserved', ok: invariantOk }],
      extensions: {
        droppedArrivals: 2,
        lateArrivals: 5,
        maxArrivalLagMs: 812.5,
        statusPolls: 1,
        driverCpu: { userMs: 10, systemMs: 2, cores: 0.054 },
        faultEvents: [
          { atSec: 30, kind: 'bank-down', target: 'KOTAK', action: 'set', ok: false, detail: 'HTTP 401' },
        ],
      },
    }) as unknown as RunResult;

  it('names the failed thresholds, the driver numbers and the fault calls', () => {
    const text = formatLoadSummary(result(true), [
      { scope: 'overall', metric: 'droppedArrivals', condition: '==0', actual: 2, ok: false },
      { scope: 'MEDICAL', metric: 'successRate', condition: '>=0.99', actual: 0.995, ok: true },
      { scope: 'P2M', metric: 'p99Ms', condition: '<=100', actual: null, ok: true },
    ]);
    expect(text).toMatch(/dropped arrivals 2, late 5, max lag 812.5 ms, status polls 1, CPU 5.4 % of a core/);
    expect(text).toMatch(/30\.0 s {2}set {3}bank-down +KOTAK {2}FAILED HTTP 401/);
    expect(text).toMatch(/FAIL overall +droppedArrivals +==0 +actual 2/);
    expect(text).toMatch(/ok {3}MEDICAL +successRate +>=0.99 +actual 0.9950/);
    expect(text).toMatch(/actual no data/);
    expect(text).toMatch(/verdict {5}FAIL: overall droppedArrivals ==0$/);
  });

  it('an invariant outranks thresholds; all passing says PASS', () => {
    expect(formatLoadSummary(result(false), [])).toMatch(/verdict {5}FAIL: invariant money conserved broken/);
    expect(formatLoadSummary(result(true), [])).toMatch(
      /thresholds {2}none in the scenario\nverdict {5}PASS$/,
    );
  });
});

import { atConstantRate, figureErrors, figuresOf, fitModel, simulate } from '../src';
import { tinyScenario } from './fixtures';

describe('calibration', () => {
  it('recovers a known transport hop from "measured" runs made with it', async () => {
    const base = tinyScenario({ durationSec: 3 });
    const truth = { version: 1 as const, hop: { medianMs: 16, p99Ms: 64 }, raft: { fsyncMs: 1 } };
    const points = [];
    for (const rate of [40, 80]) {
      const scenario = atConstantRate(base, rate, 3);
      points.push({ ratePerSec: rate, scenario, measured: await simulate(scenario, { model: truth }) });
    }
    const fit = await fitModel(points);
    expect(fit.model.hop).toEqual({ medianMs: 16, p99Ms: 64 });
    expect(fit.error).toBe(0);
    expect(fit.points.map((p) => p.ratePerSec)).toEqual([40, 80]);
  }, 180_000);

  it('compares figures as relative errors, success in points', () => {
    const e = figureErrors(
      { throughputTps: 90, successPct: 98, p50Ms: 100, p99Ms: 300 },
      { throughputTps: 100, successPct: 99, p50Ms: 100, p99Ms: 200 },
    );
    expect(e).toEqual({ throughputTps: 0.1, successPct: 0.01, p50Ms: 0, p99Ms: 0.5 });
  });

  it('sets a constant rate after scale and drops the faults', async () => {
    const s = atConstantRate(tinyScenario(), 25, 7);
    expect(s.traffic.tpsCurve).toEqual([
      { t: 0, tps: 2500 },
      { t: 7, tps: 2500 },
    ]);
    expect(s.durationSec).toBe(7);
    expect(s.faults).toEqual([]);
    const r = await simulate(atConstantRate(tinyScenario(), 25, 2));
    expect(figuresOf(r).throughputTps).toBeGreaterThan(20);
  });
});

import { buildTopology } from '../../../../libs/scenarios/src';
import { runSweepPoint, seedPrediction, SWEEP_POINTS, sweepScenario } from './batch-sweep';

const SMOKE = 'scenarios/smoke.yaml';

describe('batch sweep', () => {
  it('predicts with the seed formula (20 + 2b) ms per batch of b', () => {
    expect(seedPrediction(1)).toEqual({ msPerTxn: 22, tps: 45.45 });
    expect(seedPrediction(100)).toEqual({ msPerTxn: 2.2, tps: 454.55 });
    expect(seedPrediction(500).tps).toBeCloseTo(490.2, 1);
  });

  it('derives a scenario with one switch server at speed 1, fast ample banks, no faults, breaker off', () => {
    const point = SWEEP_POINTS.find((p) => p.policy === 'linger' && p.lingerMs === 25)!;
    const s = sweepScenario(SMOKE, point, 600, 20);
    const t = buildTopology(s);
    expect(t.stage).toMatchObject({ servers: 1, fixedMs: 20, perTxnMs: 2 });
    expect(s.faults).toEqual([]);
    expect(s.strategies.breaker).toBe('off');
    expect(s.strategies.batch).toMatchObject({ policy: 'linger', size: 500, lingerMs: 25 });
    expect(Math.min(...t.banks.map((b) => b.capacityTps))).toBeGreaterThan(100_000);
    expect(s.traffic.systemInitiatedShare).toBe(0);
  });

  it('covers the issue sweep: fixed 1/10/50/100/500, linger 1–50 ms at 500, adaptive', () => {
    expect(SWEEP_POINTS.filter((p) => p.policy === 'fixed').map((p) => p.size)).toEqual([
      1, 10, 50, 100, 500,
    ]);
    expect(SWEEP_POINTS.filter((p) => p.policy === 'linger').map((p) => p.lingerMs)).toEqual([
      1, 5, 10, 25, 50,
    ]);
    expect(SWEEP_POINTS.some((p) => p.policy === 'adaptive')).toBe(true);
  });

  it('a saturated fixed-10 point serves batches of 10 at the formula rate and keeps the money invariants', async () => {
    const r = await runSweepPoint(
      SMOKE,
      SWEEP_POINTS.find((p) => p.policy === 'fixed' && p.size === 10)!,
      'saturated',
    );
    expect(r.invariantsOk).toBe(true);
    expect(r.meanBatch).toBeCloseTo(10, 0);
    expect(Math.abs(r.completedTps - r.predicted.atSize.tps) / r.predicted.atSize.tps).toBeLessThan(0.03);
    // Overloaded: the switch drops what it cannot start in time, and successes wait in the queue.
    expect(r.droppedShare.QD).toBeGreaterThan(0.3);
    expect(r.successLatencyMs.p50).toBeGreaterThan(r.predicted.atSize.msPerTxn * 10);
  }, 30_000);
});

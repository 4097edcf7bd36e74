import { join } from 'node:path';
import { CATEGORIES, type Category } from '../../libs/domain/src';
import { loadScenario, type RunResult, type Scenario } from '../../libs/scenarios/src';
import { runScenario, virtualClock } from '../../libs/runtime/src';

const SMOKE = join(__dirname, '../../scenarios/smoke.yaml');

async function run(s: Scenario): Promise<RunResult> {
  return runScenario(s, { clock: virtualClock(), mode: 'embedded' });
}

function broken(r: RunResult): string[] {
  return r.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail ?? ''}`);
}

const within = (r: RunResult, c: Category) => r.latencyMs.byClass[c].withinDeadlineShare ?? 0;
const code = (r: RunResult, c: string) => r.outcomes.byCode[c]?.count ?? 0;

/**
 * The switch at about half the offered rate: stage capacity = servers × scale × 1000 / (20 + 2) ms
 * with batches of one = 55 × 0.02 × 45.5 ≈ 50 payments/s against ~90 offered (smoke's curve at
 * scale 0.02). One server serving 20 ms per payment, so a medical payment fits its 100 ms budget
 * when the scheduler lets it jump the queue.
 */
function overloaded(scheduling: Scenario['strategies']['scheduling'], seed: number): Scenario {
  const s = loadScenario(SMOKE, { seed, durationSec: 20, scale: 0.02 });
  return {
    ...s,
    faults: [],
    topology: {
      ...s.topology,
      switch: { ...s.topology.switch, stage: { ...s.topology.switch.stage, servers: 55 } },
    },
    traffic: {
      ...s.traffic,
      systemInitiatedShare: 0,
      categoryMix: { MEDICAL: 0.1, SALARY: 0.1, BILL: 0.2, P2P: 0.3, P2M: 0.3 },
    },
    strategies: {
      ...s.strategies,
      scheduling,
      batch: { ...s.strategies.batch, policy: 'fixed', size: 1 },
      breaker: 'off',
    },
  };
}

describe('strategies end to end (virtual clock)', () => {
  test('2x overload: priority strategies keep medical payments on time, fifo degrades every class alike', async () => {
    const dropped = (r: RunResult, c: Category) => r.latencyMs.byClass[c].count * (1 - within(r, c));
    const p2mShareOfDrops = (r: RunResult) =>
      dropped(r, 'P2M') / CATEGORIES.reduce((n, c) => n + dropped(r, c), 0);
    for (const seed of [21, 22]) {
      const fifo = await run(overloaded('fifo', seed));
      expect(broken(fifo)).toEqual([]);
      // fifo ignores the class: every payment waits the same queue, so each class with a deadline
      // shorter than that wait loses a large share — medical payments most of all.
      for (const c of ['MEDICAL', 'SALARY', 'BILL'] as const) expect(within(fifo, c)).toBeLessThan(0.5);
      expect(within(fifo, 'P2P')).toBeLessThan(0.9);
      expect(p2mShareOfDrops(fifo)).toBeLessThan(0.2);

      const strict = await run(overloaded('strict-priority', seed));
      expect(broken(strict)).toEqual([]);
      expect(strict.latencyMs.byClass.MEDICAL.count).toBeGreaterThan(100);
      expect(within(strict, 'MEDICAL')).toBeGreaterThanOrEqual(0.99);
      // Merchant payments absorb the shedding.
      expect(p2mShareOfDrops(strict)).toBeGreaterThan(0.6);
      expect(within(strict, 'P2M')).toBeLessThan(within(fifo, 'P2M'));

      // EDF serves an older bill whose absolute deadline falls first before a new medical payment,
      // so under overload it protects medical payments less than strict priority does (its
      // overload shedding limits the domino effect); still far better than fifo.
      const edf = await run(overloaded('earliest-deadline-first', seed));
      expect(broken(edf)).toEqual([]);
      expect(within(edf, 'MEDICAL')).toBeGreaterThan(0.9);
      expect(within(edf, 'MEDICAL')).toBeGreaterThan(within(fifo, 'MEDICAL') + 0.4);
      expect(p2mShareOfDrops(edf)).toBeGreaterThan(0.5);
    }
  });

  test('a failing bank opens its breaker (U90/U91); payments between other banks are unaffected; it closes after recovery', async () => {
    const s = loadScenario(SMOKE, { seed: 4, durationSec: 30 });
    const r = await run({
      ...s,
      faults: [{ atSec: 2, durationSec: 10, kind: 'bank-unreachable', bank: 'KOTAK' }],
      strategies: {
        ...s.strategies,
        breaker: { policy: 'fixed', volumeThreshold: 5, resetTimeoutMs: 3000, timeoutMs: 2000 },
      },
    });
    expect(broken(r)).toEqual([]);
    // Opened: payments to or from KOTAK are refused at once instead of timing out.
    expect(code(r, 'U90') + code(r, 'U91')).toBeGreaterThan(10);
    const timeouts = code(r, 'UT') + code(r, 'RB');
    expect(timeouts).toBeLessThan(code(r, 'U90') + code(r, 'U91'));
    // Others unaffected: overall success stays high, and every second after recovery succeeds again.
    expect(r.outcomes.byStatus.SUCCESS / r.completed).toBeGreaterThan(0.8);
    const late = r.timeline.filter((p) => p.t >= 20 && p.t < 29);
    expect(late.reduce((n, p) => n + p.declined, 0) / late.reduce((n, p) => n + p.completed, 0)).toBeLessThan(
      0.05,
    );
  });

  test('a status-check storm is throttled and does not starve customer payments', async () => {
    const s = loadScenario(SMOKE, { seed: 8, durationSec: 20 });
    const quiet = await run({ ...s, faults: [] });
    const stormy = await run({
      ...s,
      faults: [],
      traffic: { ...s.traffic, statusCheckStorm: { atSec: 2, durationSec: 15, ratePerSec: 50_000 } },
    });
    expect(broken(stormy)).toEqual([]);
    const checks = (
      stormy.extensions as { statusChecks: { stormSent: number; statusChecksThrottled: number } }
    ).statusChecks;
    expect(checks.stormSent).toBeGreaterThan(5000);
    expect(checks.statusChecksThrottled).toBeGreaterThan(0.9 * checks.stormSent);
    expect(stormy.outcomes.byStatus.SUCCESS / stormy.completed).toBeGreaterThan(
      quiet.outcomes.byStatus.SUCCESS / quiet.completed - 0.02,
    );
    expect(within(stormy, 'MEDICAL')).toBe(1);
  });

  test('invariants hold under every strategy combination', async () => {
    const schedulings = ['fifo', 'strict-priority', 'weighted-fair', 'earliest-deadline-first'] as const;
    const batches = ['fixed', 'linger', 'adaptive'] as const;
    const breakers = ['off', 'fixed', 'adaptive'] as const;
    for (const scheduling of schedulings)
      for (const policy of batches)
        for (const breaker of breakers) {
          const s = loadScenario(SMOKE, {
            seed: 3,
            durationSec: 5,
            scheduling,
            batch: { policy, size: 20 },
            breaker,
          });
          const r = await run(s);
          const bad = broken(r);
          if (bad.length) throw new Error(`${scheduling}/${policy}/${breaker}: ${bad.join('; ')}`);
          expect(r.strategies).toEqual({ scheduling, batch: { policy, size: 20 }, breaker });
        }
  });
});

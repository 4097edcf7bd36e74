import { join } from 'node:path';
import { loadScenario, validateResult, type RunResult, type Scenario } from '../../libs/scenarios/src';
import { runScenario, virtualClock } from '../../libs/runtime/src';

const SMOKE = join(__dirname, '../../scenarios/smoke.yaml');
const SEEDS = Number(process.env.E2E_SEEDS ?? 30);

async function run(s: Scenario): Promise<RunResult> {
  return runScenario(s, { clock: virtualClock(), mode: 'embedded' });
}

function failing(r: RunResult): string[] {
  return r.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail ?? ''}`);
}

describe('embedded end-to-end run (virtual clock)', () => {
  test.each(['upi', 'classic-2pc'] as const)('invariants hold over many seeds (%s)', async (protocol) => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const base = loadScenario(SMOKE, { seed, durationSec: 6 });
      const s: Scenario = {
        ...base,
        topology: { ...base.topology, switch: { ...base.topology.switch, protocol } },
      };
      const r = await run(s);
      const bad = failing(r);
      if (bad.length) throw new Error(`seed ${seed} (${protocol}) broke invariants:\n  ${bad.join('\n  ')}`);
      expect(r.invariants.length).toBeGreaterThanOrEqual(7);
      expect(r.offered).toBeGreaterThan(100);
      expect(r.completed).toBe(r.offered - r.outcomes.byStatus.PENDING);
      expect(r.outcomes.byStatus.SUCCESS).toBeGreaterThan(0.8 * r.completed);
      expect(r.money.conserved).toBe(true);
      expect(r.settlement.sum).toBe(0);
      expect(validateResult(r).errors).toEqual([]);
    }
  });

  test('the same seed gives the same result', async () => {
    const a = await run(loadScenario(SMOKE, { seed: 5, durationSec: 5 }));
    const b = await run(loadScenario(SMOKE, { seed: 5, durationSec: 5 }));
    const strip = (r: RunResult) => ({ ...r, startedAt: '' });
    expect(strip(b)).toEqual(strip(a));
  });

  test('duplicate requests (same Idempotency-Key) never debit twice', async () => {
    const base = loadScenario(SMOKE, { seed: 3, durationSec: 5 });
    const s: Scenario = { ...base, traffic: { ...base.traffic, retryShare: 0.3 } };
    const r = await run(s);
    const ext = r.extensions as { payments: number };
    // A third of the requests are retries: fewer payments than requests, and every balance adds up.
    expect(ext.payments).toBeLessThan(0.85 * r.offered);
    expect(failing(r)).toEqual([]);
  });
});

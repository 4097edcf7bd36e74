import { applyKnobs, configCost, planVariables, searchPlan, type PlanConfig } from '../src';
import { tinyScenario } from './fixtures';

/**
 * A synthetic system: the switch needs 6 units of capacity (8 with fifo), the bank 3; batch size
 * does not matter. Costs: switch 10 a unit, bank 25 a unit. Cheapest: switch 6, bank 3, edf.
 */
const spec = {
  variables: [
    { knob: 'switch.capacity', values: [10, 2, 4, 6, 8, 1, 3, 5, 7, 9], costPerUnit: 10 },
    { knob: 'bank.SBI.capacityTps', values: [1, 2, 3, 4, 5], costPerUnit: 25 },
    { knob: 'batch.size', values: [50, 100], costs: [0, 0] },
    { knob: 'strategy', values: ['fifo', 'earliest-deadline-first'], costs: [0, 0] },
  ],
};
const meets = (c: PlanConfig) =>
  (c['switch.capacity'] as number) >= (c.strategy === 'fifo' ? 8 : 6) &&
  (c['bank.SBI.capacityTps'] as number) >= 3;

function bruteForce(): { config: PlanConfig; cost: number } {
  const vars = planVariables(spec);
  let best: { config: PlanConfig; cost: number } | null = null;
  const walk = (i: number, c: Record<string, number | string>) => {
    if (i === vars.length) {
      const cost = configCost(vars, c);
      if (meets(c) && (!best || cost < best.cost)) best = { config: { ...c }, cost };
      return;
    }
    for (const x of vars[i]!.values) walk(i + 1, { ...c, [vars[i]!.knob]: x });
  };
  walk(0, {});
  return best!;
}

describe('searchPlan', () => {
  it('finds the cheapest configuration meeting the SLO with fewer trials than trying them all', async () => {
    const vars = planVariables(spec);
    let calls = 0;
    const out = await searchPlan(vars, async (c) => {
      calls++;
      return { meets: meets(c), detail: null };
    });
    const truth = bruteForce();
    expect(truth.cost).toBe(60 + 75);
    expect(out.best?.cost).toBe(truth.cost);
    expect(out.best?.config).toMatchObject({
      'switch.capacity': 6,
      'bank.SBI.capacityTps': 3,
      strategy: 'earliest-deadline-first',
    });
    expect(calls).toBe(out.trials.length); // memoised: no configuration simulated twice
    expect(calls).toBeLessThan(10 * 5 * 2 * 2);
  });

  it('says so when even the largest capacity misses', async () => {
    const out = await searchPlan(planVariables(spec), async () => ({ meets: false, detail: null }));
    expect(out.best).toBeNull();
    expect(out.trials.length).toBeGreaterThan(0);
  });

  it('hints at the configurations it will ask for next, without changing what it asks for', async () => {
    const vars = planVariables(spec);
    const evaluate = async (c: PlanConfig) => ({ meets: meets(c), detail: null });
    const plain = await searchPlan(vars, evaluate);
    const hinted: string[] = [];
    const withHints = await searchPlan(vars, evaluate, {
      prefetch: (cs) => hinted.push(...cs.map((c) => JSON.stringify(c))),
    });
    // The same trials in the same order, and the same answer.
    expect(withHints.trials.map((t) => t.config)).toEqual(plain.trials.map((t) => t.config));
    expect(withHints.best).toEqual(plain.best);
    // Most of what it then asked for had been hinted at before: idle workers would have had it.
    const asked = plain.trials.slice(1).map((t) => JSON.stringify(t.config));
    const foreseen = asked.filter((c) => hinted.includes(c)).length;
    expect(foreseen / asked.length).toBeGreaterThan(0.6);
    // Each bisection step names both ways it can go: the first step from the largest capacity.
    expect(hinted[0]).toBe(JSON.stringify({ ...plain.trials[0]!.config, 'switch.capacity': 5 }));
  });

  it('sorts capacity values ascending and prices them per unit', () => {
    const v = planVariables(spec)[0]!;
    expect(v.monotone).toBe(true);
    expect(v.values).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(v.costs[5]).toBe(60);
    expect(planVariables(spec)[3]!.monotone).toBe(false);
  });
});

describe('applyKnobs', () => {
  it('sets replica and bank capacity, batch size and strategy on a copy', () => {
    const s = tinyScenario({
      extra: `
network:
  switchReplicas:
    - { id: MUM, region: Mumbai, capacityTps: 1000 }
    - { id: DEL, region: Delhi, capacityTps: 500 }
`,
    });
    const t = applyKnobs(s, {
      'replica.DEL.capacityTps': 800,
      'switch.capacity': 2,
      'bank.HDFC.capacityTps': 9000,
      'batch.size': 200,
      strategy: 'earliest-deadline-first',
    });
    expect(t.network!.switchReplicas!.map((r) => r.capacityTps)).toEqual([2000, 1600]);
    expect(t.topology.banks.find((b) => b.id === 'HDFC')!.capacityTps).toBe(9000);
    expect(t.strategies.batch.size).toBe(200);
    expect(t.strategies.scheduling).toBe('earliest-deadline-first');
    expect(s.network!.switchReplicas![1]!.capacityTps).toBe(500);
    expect(t.source).toBe(s.source);
  });
});

import { parseSlo, planJson, planReportHtml, runPlan } from '../src';
import { MUMBAI_CAPACITY_PLAN, tinyScenario } from './fixtures';

describe('runPlan on a tiny scenario', () => {
  it('finds the smallest switch capacity that keeps p99 down, and reports it as JSON and HTML', async () => {
    // 1,600/s offered at scale 1: below about 1,600/s of capacity the switch queues and p99 climbs.
    const scenario = tinyScenario({
      tps: 1600,
      scale: 1,
      durationSec: 3,
      extra: MUMBAI_CAPACITY_PLAN,
    });
    const plan = await runPlan(scenario, parseSlo('success>=99,p99<=600'), { version: 1 });
    expect(plan.outcome.best?.config).toEqual({ 'replica.MUM.capacityTps': 2000 });
    expect(plan.outcome.best?.cost).toBe(20);
    expect(plan.baselineVerdict.meets).toBe(false);
    const json = planJson(plan) as { recommendation: { cost: number }; trials: unknown[] };
    expect(json.recommendation.cost).toBe(20);
    expect(json.trials.length).toBe(plan.outcome.trials.length);
    const html = planReportHtml(plan, '/* chart.js */', 'now');
    expect(html).toContain('replica.MUM.capacityTps=2000');
    expect(html).toContain('id="plan-cost"');
    expect(html).toContain('/* chart.js */');
  }, 180_000); // several simulations: slow on a loaded machine

  it('refuses a scenario without a plan section', async () => {
    await expect(runPlan(tinyScenario(), parseSlo('p99<=1'), { version: 1 })).rejects.toThrow(
      /plan: missing/,
    );
  });
});

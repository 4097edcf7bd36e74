import type { RunResult, Scenario } from '../../scenarios/src';
import {
  applyKnobs,
  planVariables,
  searchPlan,
  type PlanConfig,
  type PlanOutcome,
  type Trial,
} from './planner';
import type { SimModel } from './sim-model';
import { simulate } from './simulate';
import { checkSlo, type Slo, type SloVerdict } from './slo';

/** What the planner keeps of one simulated configuration. */
export interface TrialDetail {
  readonly verdict: SloVerdict;
  readonly offered: number;
  readonly throughputTps: number;
}

export interface PlanRun {
  readonly scenario: string;
  readonly slo: { readonly text: string; readonly windowSec: number };
  readonly variables: ReturnType<typeof planVariables>;
  readonly outcome: PlanOutcome<TrialDetail>;
  /** The scenario as written, and the recommended configuration, simulated in full. */
  readonly baseline: RunResult;
  readonly recommended: RunResult | null;
  readonly baselineVerdict: SloVerdict;
}

/**
 * `upi-lab plan`: simulates configurations of the scenario's `plan` knobs until it finds the
 * cheapest one that meets the SLO over the whole run and in every window of the curve.
 */
export async function runPlan(
  scenario: Scenario,
  slo: Slo,
  model: SimModel,
  onTrial?: (t: Trial<TrialDetail>, n: number) => void,
): Promise<PlanRun> {
  if (!scenario.plan)
    throw new Error(
      `${scenario.source ?? scenario.name}: no 'plan' section: nothing for the planner to vary`,
    );
  const vars = planVariables(scenario.plan);
  const results = new Map<string, RunResult>();
  const key = (c: PlanConfig) => JSON.stringify(c);
  const outcome = await searchPlan<TrialDetail>(
    vars,
    async (config) => {
      const r = await simulate(applyKnobs(scenario, config), { model });
      results.set(key(config), r);
      const verdict = checkSlo(slo, r);
      return {
        meets: verdict.meets,
        detail: { verdict, offered: r.offered, throughputTps: r.throughputTps },
      };
    },
    onTrial ? { onTrial } : {},
  );
  const baseline = await simulate(scenario, { model });
  return {
    scenario: scenario.name,
    slo: { text: slo.text, windowSec: slo.windowSec },
    variables: vars,
    outcome,
    baseline,
    baselineVerdict: checkSlo(slo, baseline),
    recommended: outcome.best ? (results.get(key(outcome.best.config)) ?? null) : null,
  };
}

/** The plan as JSON: the SLO, the knobs, every trial and the recommendation (no full results). */
export function planJson(p: PlanRun): unknown {
  const best = p.outcome.best;
  return {
    scenario: p.scenario,
    slo: p.slo,
    variables: p.variables,
    recommendation: best ? { config: best.config, cost: best.cost, verdict: best.detail.verdict } : null,
    baseline: { verdict: p.baselineVerdict },
    trials: p.outcome.trials.map((t) => ({
      config: t.config,
      cost: t.cost,
      meets: t.meets,
      overall: t.detail.verdict.overall,
      worstWindow: t.detail.verdict.worstWindow,
      failures: t.detail.verdict.failures.slice(0, 5),
    })),
  };
}

import { ScenarioError, type RunResult, type Scenario } from '../../scenarios/src';
import {
  applyKnobs,
  planVariables,
  searchPlan,
  type PlanConfig,
  type PlanOutcome,
  type Trial,
} from './planner';
import type { SimModel } from './sim-model';
import { InProcessSimRunner, type SimRunner } from './sim-runner';
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

/** How `runPlan` runs its simulations. */
export interface PlanRunOptions {
  /** Told of each configuration as its simulation ends, in the order the search asked. */
  readonly onTrial?: (t: Trial<TrialDetail>, n: number) => void;
  /**
   * Runs the simulations; default one at a time in this process. With a pool of workers, idle
   * workers simulate the configurations the search will probably ask for next (and the scenario as
   * written); the trials, their order and the recommendation are the same as with one.
   */
  readonly runner?: SimRunner;
}

/**
 * `upi-lab plan`: simulates configurations of the scenario's `plan` knobs until it finds the
 * cheapest one that meets the SLO over the whole run and in every window of the curve.
 */
export async function runPlan(
  scenario: Scenario,
  slo: Slo,
  model: SimModel,
  opts: PlanRunOptions = {},
): Promise<PlanRun> {
  const vars = planVariables(requirePlan(scenario));
  const runner = opts.runner ?? new InProcessSimRunner();
  // Every simulation started, asked for or speculative, by configuration.
  const runs = new Map<string, Promise<RunResult>>();
  const key = (c: PlanConfig) => JSON.stringify(c);
  const job = (c: PlanConfig) => ({ scenario: applyKnobs(scenario, c), model });
  const simulated = (c: PlanConfig): Promise<RunResult> => {
    const k = key(c);
    let r = runs.get(k);
    if (!r) runs.set(k, (r = runner.run(job(c))));
    return r;
  };
  const prefetch = (configs: readonly PlanConfig[]) => {
    for (const c of configs) {
      const k = key(c);
      if (runs.has(k)) continue;
      const r = runner.runIfIdle(job(c));
      if (!r) return; // no worker free: the rest would only queue
      // A speculative run nobody asks for is dropped; its failure must not go unhandled.
      r.catch(() => undefined);
      runs.set(k, r);
    }
  };
  // The scenario as written is simulated whatever the search does: on a free worker from the start.
  const baselineRun = runner.runIfIdle({ scenario, model });
  baselineRun?.catch(() => undefined);
  try {
    const outcome = await searchPlan<TrialDetail>(
      vars,
      async (config) => {
        const r = await simulated(config);
        const verdict = checkSlo(slo, r);
        return {
          meets: verdict.meets,
          detail: { verdict, offered: r.offered, throughputTps: r.throughputTps },
        };
      },
      { ...(opts.onTrial ? { onTrial: opts.onTrial } : {}), prefetch },
    );
    const baseline = await (baselineRun ?? runner.run({ scenario, model }));
    return {
      scenario: scenario.name,
      slo: { text: slo.text, windowSec: slo.windowSec },
      variables: vars,
      outcome,
      baseline,
      baselineVerdict: checkSlo(slo, baseline),
      recommended: outcome.best ? await simulated(outcome.best.config) : null,
    };
  } finally {
    if (!opts.runner) await runner.close();
  }
}

/** The scenario's `plan` section; refuses a scenario without one (the planner would have nothing to vary). */
export function requirePlan(scenario: Scenario): NonNullable<Scenario['plan']> {
  if (!scenario.plan)
    throw new ScenarioError(scenario.source ?? scenario.name, [
      "plan: missing: it lists the knobs the planner may vary (docs/scenario.md, 'plan')",
    ]);
  return scenario.plan;
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

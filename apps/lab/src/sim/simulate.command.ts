import { readFileSync } from 'node:fs';
import { InputError } from '../../../../libs/domain/src';
import { loadScenario, validateResult, type RunResult, type Scenario } from '../../../../libs/scenarios/src';
import type { RunProgress } from '../../../../libs/runtime/src';
import {
  applyKnobs,
  DEFAULT_SIM_MODEL,
  loadSimModel,
  simulate,
  type PlanConfig,
  type SimModel,
} from '../../../../libs/sim/src';
import { progressBar, writeResult } from '../run.command';
import { checkWritable } from '../output';
import { formatSummary } from '../summary';

export interface SimulateCommandOptions {
  scenario: string;
  scale?: number;
  seed?: number;
  duration?: number;
  model?: string;
  out?: string;
  progress?: boolean;
  quiet?: boolean;
  /** Raft replicas of the switch (3 or 5). */
  raft?: number;
  /** A plan JSON (`upi-lab plan`) whose recommended configuration is applied to the scenario. */
  applyPlan?: string;
}

/** The recommended configuration of a plan file, with a clear error when there is none. */
export function recommendedConfig(path: string): PlanConfig {
  let plan: { recommendation?: { config?: PlanConfig } | null };
  try {
    plan = JSON.parse(readFileSync(path, 'utf8')) as typeof plan;
  } catch (e) {
    throw new InputError(`--apply-plan ${path}: cannot read a plan JSON: ${(e as Error).message}`);
  }
  const config = plan?.recommendation?.config;
  if (!config || typeof config !== 'object')
    throw new InputError(`--apply-plan ${path}: the plan has no recommendation (nothing met its SLO)`);
  return config;
}

/** `upi-lab simulate`: the scenario on the virtual clock with the simulated network and service-time model. */
export async function simulateCommand(o: SimulateCommandOptions): Promise<number> {
  let scenario = loadScenario(o.scenario, {
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.scale !== undefined ? { scale: o.scale } : {}),
    ...(o.duration !== undefined ? { durationSec: o.duration } : {}),
  });
  if (o.applyPlan) scenario = applyKnobs(scenario, recommendedConfig(o.applyPlan));
  const model = o.model ? loadSimModel(o.model) : DEFAULT_SIM_MODEL;
  const wallStart = performance.now();
  if (o.out) checkWritable(o.out); // before the run, not after it
  const result = await simulateWithBar(scenario, model, o.progress !== false, o.raft);
  const wallSec = (performance.now() - wallStart) / 1000;
  const check = validateResult(result);
  if (!check.ok)
    throw new Error(`internal error: the result does not match the schema:\n  ${check.errors.join('\n  ')}`);
  const out = o.out ?? `results/${scenario.name}-simulated-seed${scenario.seed}.json`;
  writeResult(out, result);
  if (!o.quiet) console.log(formatSummary(result));
  console.log(
    `\nsimulated ${result.offered} payments (${scenario.durationSec} s at scale ${scenario.scale}) in ${wallSec.toFixed(1)} s wall: ` +
      `${Math.round(result.offered / wallSec)} payments/s`,
  );
  console.log(`result written to ${out}`);
  return result.invariants.every((i) => i.ok) ? 0 : 3;
}

/** One simulation with a progress bar on stderr (none when `show` is false). */
export async function simulateWithBar(
  scenario: Scenario,
  model: SimModel,
  show: boolean,
  raftReplicas?: number,
): Promise<RunResult> {
  const bar = show ? progressBar(scenario.durationSec, { virtualClock: true }) : null;
  try {
    return await simulate(scenario, {
      model,
      ...(raftReplicas !== undefined ? { raftReplicas } : {}),
      ...(bar ? { onProgress: (p: RunProgress) => bar.update(p) } : {}),
    });
  } finally {
    bar?.stop();
  }
}

import { loadScenario } from '../../../../libs/scenarios/src';
import { k6Plan } from '../../../../libs/scenarios/src/k6-plan';
import { writeOutput } from '../output';
import { parseStatusPoll } from './load.command';

export interface K6ExportOptions {
  scenario: string;
  out: string;
  scale?: number;
  statusPoll?: string;
}

/** `upi-lab k6-export`: the scenario as the JSON plan the k6 scripts `open()` (loadtests/k6). */
export function k6ExportCommand(o: K6ExportOptions): number {
  const scenario = loadScenario(o.scenario, o.scale !== undefined ? { scale: o.scale } : {});
  const plan = k6Plan(scenario, parseStatusPoll(o.statusPoll ?? '45,90,3'));
  writeOutput(o.out, JSON.stringify(plan) + '\n');
  console.log(
    `k6 plan for ${scenario.name} written to ${o.out}: ${plan.arrival.stages.length} stages, peak ${plan.arrival.peakRate}/s, ` +
      `${plan.arrival.preAllocatedVUs} pre-allocated VUs`,
  );
  return 0;
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadScenario } from '../../../../libs/scenarios/src';
import { figureErrors, figuresOf, loadSimModel, simulate, type Figures } from '../../../../libs/sim/src';
import { writeResult } from '../run.command';
import { withLiveStack } from './live-measure';

export interface ValidateModelOptions {
  scenario: string;
  model: string;
  duration?: number;
  out?: string;
  /** Allowed relative difference per figure (0.15 = 15 %). */
  tolerance: number;
}

/** `upi-lab validate-model`: the same scenario on the live stack and in the calibrated simulation, side by side. */
export async function validateModelCommand(o: ValidateModelOptions): Promise<number> {
  const model = loadSimModel(o.model);
  const scenario = loadScenario(o.scenario, o.duration !== undefined ? { durationSec: o.duration } : {});
  const live = await withLiveStack(o.scenario, (run) => run(scenario));
  const sim = await simulate(scenario, { model });
  const measured = figuresOf(live);
  const predicted = figuresOf(sim);
  const errors = figureErrors(predicted, measured);
  const rows: [string, keyof Figures][] = [
    ['throughput /s', 'throughputTps'],
    ['success %', 'successPct'],
    ['p50 ms', 'p50Ms'],
    ['p99 ms', 'p99Ms'],
  ];
  console.log(`${scenario.name}: live stack against the simulation with ${o.model}\n`);
  console.log('figure            measured    predicted   difference');
  let ok = true;
  for (const [label, k] of rows) {
    const within = errors[k] <= o.tolerance;
    if (k !== 'p50Ms') ok &&= within;
    console.log(
      `${label.padEnd(16)}  ${measured[k].toFixed(1).padStart(9)}  ${predicted[k].toFixed(1).padStart(10)}   ` +
        `${(errors[k] * 100).toFixed(1).padStart(6)} %${k === 'successPct' ? ' pts/100' : ''}  ${within ? 'ok' : 'OUTSIDE'}`,
    );
  }
  const out = o.out ?? `results/validate-${scenario.name}.json`;
  mkdirSync(dirname(out), { recursive: true });
  writeResult(out.replace(/\.json$/, '') + '-live.json', live);
  writeResult(out.replace(/\.json$/, '') + '-simulated.json', sim);
  writeFileSync(
    out,
    JSON.stringify(
      { scenario: o.scenario, model: o.model, tolerance: o.tolerance, measured, predicted, errors, ok },
      null,
      2,
    ) + '\n',
  );
  console.log(
    `\n${ok ? 'within' : 'NOT within'} ${o.tolerance * 100} % on throughput, success and p99; written to ${out}`,
  );
  return ok ? 0 : 5;
}

import { InputError } from '../../../../libs/domain/src';
import { loadScenario } from '../../../../libs/scenarios/src';
import { rateAt } from '../../../../libs/scenarios/src/curve';
import {
  atConstantRate,
  figureErrors,
  figuresOf,
  loadSimModel,
  simulate,
  type Figures,
} from '../../../../libs/sim/src';
import { writeResult } from '../run.command';
import { checkWritable, writeOutput } from '../output';
import { withLiveStack } from './live-measure';

export interface ValidateModelOptions {
  scenario: string;
  model: string;
  duration?: number;
  out?: string;
  /** Allowed relative difference per figure (0.15 = 15 %). */
  tolerance: number;
  /** Live runs back to back on the same stack; each measured figure is their median. */
  repeat?: number;
  /** Seconds of unmeasured load (the scenario's first rate) before the measured runs. */
  warmup?: number;
}

/** `upi-lab validate-model`: the same scenario on the live stack and in the calibrated simulation, side by side. */
export async function validateModelCommand(o: ValidateModelOptions): Promise<number> {
  const model = loadSimModel(o.model);
  const scenario = loadScenario(o.scenario, o.duration !== undefined ? { durationSec: o.duration } : {});
  const repeat = o.repeat ?? 1;
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new InputError(`--repeat: expected a whole number >= 1, got ${repeat}`);
  if (o.out) checkWritable(o.out); // before the runs, not after them
  const lives = await withLiveStack(o.scenario, async (run) => {
    const out = [];
    if ((o.warmup ?? 0) > 0) {
      console.error(`  warming up for ${o.warmup} s (not measured)`);
      await run(atConstantRate(scenario, rateAt(scenario, 0), o.warmup!));
    }
    for (let i = 0; i < repeat; i++) {
      if (repeat > 1) console.error(`  live run ${i + 1}/${repeat}`);
      out.push(await run(scenario));
    }
    return out;
  });
  const sim = await simulate(scenario, { model });
  const runs = lives.map(figuresOf);
  const measured = medianFigures(runs);
  // The run written beside the comparison: the one whose p99 is the median's.
  const live = lives[runs.findIndex((r) => r.p99Ms === measured.p99Ms)] ?? lives[0]!;
  const predicted = figuresOf(sim);
  const errors = figureErrors(predicted, measured);
  const rows: [string, keyof Figures][] = [
    ['throughput /s', 'throughputTps'],
    ['success %', 'successPct'],
    ['p50 ms', 'p50Ms'],
    ['p99 ms', 'p99Ms'],
  ];
  console.log(
    `${scenario.name}: live stack${repeat > 1 ? ` (median of ${repeat} runs)` : ''} against the simulation with ${o.model}\n`,
  );
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
  writeResult(out.replace(/\.json$/, '') + '-live.json', live);
  writeResult(out.replace(/\.json$/, '') + '-simulated.json', sim);
  writeOutput(
    out,
    JSON.stringify(
      {
        scenario: o.scenario,
        model: o.model,
        tolerance: o.tolerance,
        measured,
        liveRuns: runs,
        predicted,
        errors,
        ok,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(
    `\n${ok ? 'within' : 'NOT within'} ${o.tolerance * 100} % on throughput, success and p99; written to ${out}`,
  );
  return ok ? 0 : 5;
}

/** Each figure's median over the runs (the upper middle one for an even count, so it is a real run's). */
export function medianFigures(runs: readonly Figures[]): Figures {
  const mid = <K extends keyof Figures>(k: K) => {
    const xs = runs.map((r) => r[k]).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)]!;
  };
  return {
    throughputTps: mid('throughputTps'),
    successPct: mid('successPct'),
    p50Ms: mid('p50Ms'),
    p99Ms: mid('p99Ms'),
  };
}

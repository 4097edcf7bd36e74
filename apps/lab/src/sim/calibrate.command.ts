import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadScenario } from '../../../../libs/scenarios/src';
import { atConstantRate, fitModel, type CalibrationPoint, type SimModel } from '../../../../libs/sim/src';
import { writeResult } from '../run.command';
import { readResults } from '../report-io';
import { withLiveStack } from './live-measure';

export interface CalibrateCommandOptions {
  scenario: string;
  rates: string;
  duration: number;
  out: string;
  /** Fit again from the live results a previous calibration saved, without the live stack. */
  reuse?: boolean;
}

/** `upi-lab calibrate`: measure the live stack at a few rates, fit the simulator's model to it. */
export async function calibrateCommand(o: CalibrateCommandOptions): Promise<number> {
  const rates = parseRates(o.rates);
  const scenario = loadScenario(o.scenario);
  const saved = (rate: number) => `results/calibration/live-${scenario.name}-${rate}.json`;
  const points: CalibrationPoint[] = o.reuse
    ? rates.map((rate) => {
        const measured = readResults([saved(rate)])[0]!;
        return { ratePerSec: rate, scenario: atConstantRate(scenario, rate, measured.durationSec), measured };
      })
    : await withLiveStack(o.scenario, async (run) => {
        const out: CalibrationPoint[] = [];
        for (const rate of rates) {
          const s = atConstantRate(scenario, rate, o.duration);
          console.error(`  measuring ${rate}/s for ${o.duration} s on the live stack`);
          const measured = await run(s);
          writeResult(saved(rate), measured);
          out.push({ ratePerSec: rate, scenario: s, measured });
        }
        return out;
      });
  console.error('  fitting the model (simulating each rate per candidate)');
  const fit = await fitModel(points, (param, value, error) =>
    console.error(`    ${param} = ${value}: error ${error}`),
  );
  const model: SimModel = {
    ...fit.model,
    description: `calibrated on ${scenario.name} (${o.scenario}) at ${rates.join(', ')} payments/s`,
    calibration: { scenario: o.scenario, durationSec: o.duration, error: fit.error, points: fit.points },
  };
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify(model, null, 2) + '\n');
  console.log('rate/s   throughput (live / sim)   success %        p50 ms            p99 ms');
  for (const p of fit.points)
    console.log(
      `${String(p.ratePerSec).padStart(6)}   ${pair(p.measured.throughputTps, p.predicted.throughputTps)}   ` +
        `${pair(p.measured.successPct, p.predicted.successPct)}   ${pair(p.measured.p50Ms, p.predicted.p50Ms)}   ` +
        `${pair(p.measured.p99Ms, p.predicted.p99Ms)}`,
    );
  console.log(
    `hop ${JSON.stringify(fit.model.hop)}, raft ${JSON.stringify(fit.model.raft)}, switch ${JSON.stringify(fit.model.switch ?? 'from the scenario')}`,
  );
  console.log(`model written to ${o.out} (mean summed relative error ${fit.error})`);
  return 0;
}

function pair(a: number, b: number): string {
  return `${a.toFixed(1)} / ${b.toFixed(1)}`.padEnd(16);
}

export function parseRates(text: string): number[] {
  const rates = text.split(',').map((x) => Number(x.trim()));
  if (rates.length === 0 || rates.some((r) => !Number.isFinite(r) || r <= 0))
    throw new Error(`--rates: expected positive numbers separated by commas, e.g. 50,100,200; got "${text}"`);
  return rates;
}

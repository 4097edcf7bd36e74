import { InputError } from '../../../../libs/domain/src';
import { loadScenario } from '../../../../libs/scenarios/src';
import { existsSync, readFileSync } from 'node:fs';
import { STAGES, METRIC } from '../../../../libs/metrics/src/names';
import {
  atConstantRate,
  fitLogNormal,
  fitModel,
  histogramDelta,
  linksFromStages,
  loadCurve,
  parseHistogram,
  type CalibrationPoint,
  type SimModel,
  type StageFits,
} from '../../../../libs/sim/src';
import { checkWritable, writeOutput } from '../output';
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
  /** Seconds of unmeasured load at the first rate before measuring (JIT, consumer groups, pools). */
  warmup?: number;
}

/** `upi-lab calibrate`: measure the live stack at a few rates, fit the simulator's model to it. */
export async function calibrateCommand(o: CalibrateCommandOptions): Promise<number> {
  const rates = parseRates(o.rates);
  const scenario = loadScenario(o.scenario);
  checkWritable(o.out); // before the live runs, not after them
  const saved = (rate: number) => `results/calibration/live-${scenario.name}-${rate}.json`;
  const savedStages = (rate: number) => `results/calibration/stages-${scenario.name}-${rate}.json`;
  const stagesByRate = new Map<number, StageFits>();
  const points: CalibrationPoint[] = o.reuse
    ? rates.map((rate) => {
        const measured = readResults([saved(rate)])[0]!;
        if (existsSync(savedStages(rate)))
          stagesByRate.set(rate, JSON.parse(readFileSync(savedStages(rate), 'utf8')) as StageFits);
        return { ratePerSec: rate, scenario: atConstantRate(scenario, rate, measured.durationSec), measured };
      })
    : await withLiveStack(o.scenario, async (run, scrape) => {
        const out: CalibrationPoint[] = [];
        if ((o.warmup ?? 0) > 0) {
          console.error(`  warming up at ${rates[0]}/s for ${o.warmup} s (not measured)`);
          await run(atConstantRate(scenario, rates[0]!, o.warmup!));
        }
        for (const rate of rates) {
          const s = atConstantRate(scenario, rate, o.duration);
          console.error(`  measuring ${rate}/s for ${o.duration} s on the live stack`);
          const before = await scrape();
          const measured = await run(s);
          const after = await scrape();
          const stages = stageFits(before, after);
          writeResult(saved(rate), measured);
          writeOutput(savedStages(rate), JSON.stringify(stages, null, 2) + '\n');
          console.error(`    stages: ${JSON.stringify(stages)}`);
          stagesByRate.set(rate, stages);
          out.push({ ratePerSec: rate, scenario: s, measured });
        }
        return out;
      });
  // The links are measured at the lowest rate, where the stages hold the least queueing; the other
  // rates give how they slow down with load.
  const partsByRate = points.flatMap((p) => {
    const stages = stagesByRate.get(p.ratePerSec);
    if (!stages) return [];
    const o = p.measured.latencyMs.overall;
    const parts = linksFromStages(stages, p.scenario, { medianMs: o.p50, p99Ms: Math.max(o.p99, o.p50) });
    return [{ ratePerSec: p.ratePerSec, parts }];
  });
  const low = partsByRate.reduce<(typeof partsByRate)[number] | undefined>(
    (a, p) => (a === undefined || p.ratePerSec < a.ratePerSec ? p : a),
    undefined,
  );
  const measuredParts =
    low && partsByRate.length === points.length
      ? { ...low.parts, ...(partsByRate.length > 1 ? { load: loadCurve(partsByRate) } : {}) }
      : undefined;
  if (measuredParts) console.error(`  measured parts: ${JSON.stringify(measuredParts)}`);
  else console.error('  no stage histograms saved: fitting one hop for every message');
  console.error('  fitting the model (simulating each rate per candidate)');
  const fit = await fitModel(
    points,
    (param, value, error) => console.error(`    ${param} = ${value}: error ${error}`),
    measuredParts,
  );
  const model: SimModel = {
    ...fit.model,
    description: `calibrated on ${scenario.name} (${o.scenario}) at ${rates.join(', ')} payments/s`,
    calibration: {
      scenario: o.scenario,
      durationSec: o.duration,
      error: fit.error,
      points: fit.points,
      stages: Object.fromEntries(stagesByRate),
    },
  };
  writeOutput(o.out, JSON.stringify(model, null, 2) + '\n');
  console.log('rate/s   throughput (live / sim)   success %        p50 ms            p99 ms');
  for (const p of fit.points)
    console.log(
      `${String(p.ratePerSec).padStart(6)}   ${pair(p.measured.throughputTps, p.predicted.throughputTps)}   ` +
        `${pair(p.measured.successPct, p.predicted.successPct)}   ${pair(p.measured.p50Ms, p.predicted.p50Ms)}   ` +
        `${pair(p.measured.p99Ms, p.predicted.p99Ms)}`,
    );
  if (fit.model.links) console.log(`links ${JSON.stringify(fit.model.links)}`);
  if (fit.model.load) console.log(`load ${JSON.stringify(fit.model.load)}`);
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
    throw new InputError(
      `--rates: expected positive numbers separated by commas, e.g. 50,100,200; got "${text}"`,
    );
  return rates;
}

/** Each stage's log-normal over what one rate added to the services' `upi_stage_latency_seconds`. */
function stageFits(before: readonly string[], after: readonly string[]): StageFits {
  const out: Record<string, unknown> = {};
  for (const stage of STAGES) {
    const h = histogramDelta(
      parseHistogram(after, METRIC.stageLatency, ['stage', stage]),
      parseHistogram(before, METRIC.stageLatency, ['stage', stage]),
    );
    const fit = fitLogNormal(h);
    if (fit) out[stage] = fit;
  }
  return out as StageFits;
}

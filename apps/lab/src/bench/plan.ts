#!/usr/bin/env node
/**
 * Planner benchmark (`npm run bench:plan`): `upi-lab plan`'s search with one simulation at a time
 * against a pool of worker threads, alternating, on the same scenario and SLO. Reports wall times,
 * the speed-up and whether the plans were the same to the byte (they must be). Writes JSON under
 * results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { loadScenario } from '../../../../libs/scenarios/src';
import { createSimRunner, DEFAULT_SIM_MODEL, parseSlo, planJson, runPlan } from '../../../../libs/sim/src';
import { positive, positiveInt } from '../cli-args';
import { cliErrorText } from '../cli-error';

interface Options {
  scenario: string;
  scale: number;
  slo: string;
  window: number;
  workers: number;
  pairs: number;
  out: string;
}

async function timedPlan(
  o: Options,
  workers: number,
): Promise<{ wallSec: number; trials: number; json: string }> {
  const scenario = loadScenario(o.scenario, { scale: o.scale });
  const runner = createSimRunner(workers);
  const t0 = performance.now();
  try {
    const plan = await runPlan(scenario, parseSlo(o.slo, o.window), DEFAULT_SIM_MODEL, { runner });
    return {
      wallSec: Math.round(performance.now() - t0) / 1000,
      trials: plan.outcome.trials.length,
      json: JSON.stringify(planJson(plan)),
    };
  } finally {
    await runner.close();
  }
}

async function main(o: Options): Promise<void> {
  const pairs = [];
  let samePlan = true;
  for (let i = 1; i <= o.pairs; i++) {
    // Alternating, the pool first in even pairs: neither side always runs on a warmer machine.
    const order = i % 2 === 1 ? [1, o.workers] : [o.workers, 1];
    const got = new Map<number, Awaited<ReturnType<typeof timedPlan>>>();
    for (const w of order) {
      console.error(`[bench:plan] pair ${i}/${o.pairs}: ${w} worker${w === 1 ? '' : 's'}…`);
      got.set(w, await timedPlan(o, w));
    }
    const one = got.get(1)!;
    const many = got.get(o.workers)!;
    samePlan &&= one.json === many.json;
    const pair = {
      pair: i,
      trials: one.trials,
      oneWorkerSec: one.wallSec,
      poolSec: many.wallSec,
      speedUp: Math.round((one.wallSec / many.wallSec) * 100) / 100,
    };
    pairs.push(pair);
    console.error(`[bench:plan] ${JSON.stringify(pair)}`);
  }
  const speedUps = pairs.map((p) => p.speedUp).sort((a, b) => a - b);
  const report = {
    bench: 'planner',
    startedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, availableParallelism: availableParallelism(), loadavg: loadavg() },
    scenario: o.scenario,
    scale: o.scale,
    slo: o.slo,
    windowSec: o.window,
    workers: o.workers,
    pairs,
    // With an even number of pairs, the mean of the middle two.
    medianSpeedUp:
      Math.round(
        ((speedUps[Math.floor((speedUps.length - 1) / 2)]! + speedUps[Math.floor(speedUps.length / 2)]!) /
          2) *
          100,
      ) / 100,
    samePlan,
  };
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n');
  console.log(
    `planner: ${o.workers} workers against one, median speed-up ${report.medianSpeedUp}× over ${o.pairs} pair(s); ` +
      `${samePlan ? 'the same plan every time' : 'PLANS DIFFER'}; written to ${o.out}`,
  );
  if (!samePlan) process.exitCode = 1;
}

new Command()
  .name('bench:plan')
  .option('-s, --scenario <file>', 'scenario with a plan section', 'scenarios/nye-2024-incident.yaml')
  .option('--scale <x>', 'scale to plan at', positive('scale'), 0.05)
  .option('--slo <slo>', 'the SLO to plan for', 'success>=98,p99<=2000')
  .option('--window <sec>', 'SLO window (0: whole run only)', Number, 0)
  .option('--workers <n>', 'worker threads of the pool', positiveInt('workers'), availableParallelism())
  .option('--pairs <n>', 'alternating pairs (one worker, then the pool)', positiveInt('pairs'), 2)
  .option('-o, --out <file>', 'JSON report', 'results/bench-plan.json')
  .parseAsync(process.argv)
  .then((cmd) => main(cmd.opts<Options>()))
  .catch((err: unknown) => {
    console.error(cliErrorText(err));
    process.exitCode = 2;
  });

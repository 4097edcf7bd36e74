#!/usr/bin/env node
import { InputError } from '../../../../libs/domain/src';
import { cpus, loadavg } from 'node:os';
import { Command } from 'commander';
import { writeOutput } from '../output';
import { runLive } from '../../../../libs/runtime/src/run-live';
import { loadScenario, type RunResult } from '../../../../libs/scenarios/src';
import { liveTargets, repoRoot } from '../stack/stack';
import { readState } from '../stack/stack-state';

/**
 * `npm run bench:load`: the highest flat arrival rate `upi-lab load` sustains against the live stack
 * with zero dropped arrivals, and the driver's own CPU there. Steps up the rate until arrivals are
 * dropped, bisects between the last clean and the first dropping rate, then repeats the best rate
 * to report medians. Writes results/load-capacity.json.
 */
interface Step {
  readonly rate: number;
  readonly offered: number;
  readonly dropped: number;
  readonly late: number;
  readonly maxLagMs: number;
  readonly completed: number;
  readonly successShare: number;
  readonly p99Ms: number;
  readonly driverCpuCores: number;
  readonly connections: number;
  /** Answered ÷ sent: a stack that refuses connections drops nothing but answers nothing either. */
  readonly answeredShare: number;
}

/** Sustained: nothing dropped, and the stack answered what was sent. */
const sustained = (s: Step) => s.dropped === 0 && s.answeredShare >= 0.95;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const o = new Command()
    .option('--seconds <n>', 'seconds of load per step', '15')
    .option('--start <rate>', 'first rate (payments/s)', '50')
    .option('--max <rate>', 'highest rate tried', '3000')
    .option('--reps <n>', 'repetitions at the best rate', '3')
    .option('--out <file>', 'result file', 'results/load-capacity.json')
    .parse()
    .opts<{ seconds: string; start: string; max: string; reps: string; out: string }>();
  const state = readState(repoRoot());
  if (!state) throw new InputError('no live stack: run `upi-lab stack up` first');
  const targets = liveTargets(state);
  const seconds = Number(o.seconds);

  const step = async (rate: number): Promise<Step> => {
    const scenario = loadScenario(state.scenario, { durationSec: seconds });
    const r: RunResult = await runLive(scenario, {
      targets,
      admission: { maxLagMs: 1000 },
      statusPoll: { firstAfterMs: 45_000, everyMs: 90_000, maxPolls: 3 },
      segments: [{ fromSec: 0, toSec: seconds, fromTps: rate, toTps: rate }],
      // Sized as `load` sizes it: the peak rate held for the PSP's answer wait.
      connections: Math.ceil(rate * (scenario.topology.switch.pspWaitMs / 1000) * 1.25),
      drainMs: 20_000,
    });
    const x = r.extensions as {
      droppedArrivals: number;
      lateArrivals: number;
      maxArrivalLagMs: number;
      driverCpu: { cores: number };
    };
    const s: Step = {
      rate,
      offered: r.offered,
      dropped: x.droppedArrivals,
      late: x.lateArrivals,
      maxLagMs: x.maxArrivalLagMs,
      completed: r.completed,
      successShare: r.completed
        ? (r.outcomes.byStatus.SUCCESS + r.outcomes.byStatus.DEEMED) / r.completed
        : 0,
      p99Ms: r.latencyMs.overall.p99,
      driverCpuCores: x.driverCpu.cores,
      connections: Math.max(64, Math.ceil(rate * (scenario.topology.switch.pspWaitMs / 1000) * 1.25)),
      answeredShare:
        r.offered > x.droppedArrivals
          ? Math.round(
              ((r.completed + r.outcomes.byStatus.PENDING) / (r.offered - x.droppedArrivals)) * 1000,
            ) / 1000
          : 0,
    };
    console.error(
      `  ${rate}/s: offered ${s.offered}, dropped ${s.dropped}, late ${s.late}, max lag ${s.maxLagMs} ms, ` +
        `answered ${(s.answeredShare * 100).toFixed(1)} %, p99 ${s.p99Ms} ms, success ${(s.successShare * 100).toFixed(1)} %, driver CPU ${(s.driverCpuCores * 100).toFixed(1)} %`,
    );
    return s;
  };

  const steps: Step[] = [];
  let good: Step | null = null;
  let bad: Step | null = null;
  for (let rate = Number(o.start); rate <= Number(o.max); rate = Math.round(rate * 1.5)) {
    const s = await step(rate);
    steps.push(s);
    if (sustained(s)) good = s;
    else {
      bad = s;
      break;
    }
  }
  // Two bisections between the last clean and the first dropping rate.
  for (let i = 0; i < 2 && good && bad && bad.rate - good.rate > 10; i++) {
    const s = await step(Math.round((good.rate + bad.rate) / 2));
    steps.push(s);
    if (sustained(s)) good = s;
    else bad = s;
  }
  const reps: Step[] = [];
  if (good) for (let i = 0; i < Number(o.reps); i++) reps.push(await step(good.rate));
  const result = {
    what: 'highest flat arrival rate upi-lab load sustains against the live stack with zero dropped arrivals',
    stack: { scenario: state.scenario, components: state.components.map((c) => c.name) },
    host: { cpus: cpus().length, loadavg1: loadavg()[0] },
    secondsPerStep: seconds,
    admissionMaxLagMs: 1000,
    sustainedRate: good?.rate ?? null,
    firstDroppingRate: bad?.rate ?? null,
    atSustainedRate: reps.length
      ? {
          repetitions: reps.length,
          droppedMax: Math.max(...reps.map((r) => r.dropped)),
          answeredShareMin: Math.min(...reps.map((r) => r.answeredShare)),
          driverCpuCoresMedian: median(reps.map((r) => r.driverCpuCores)),
          p99MsMedian: median(reps.map((r) => r.p99Ms)),
          successShareMedian: median(reps.map((r) => r.successShare)),
        }
      : null,
    steps,
    reps,
  };
  writeOutput(o.out, JSON.stringify(result, null, 2) + '\n');
  console.log(
    JSON.stringify({
      sustainedRate: result.sustainedRate,
      firstDroppingRate: result.firstDroppingRate,
      ...result.atSustainedRate,
    }),
  );
  console.log(`written to ${o.out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 2;
});

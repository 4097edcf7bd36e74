import { availableParallelism } from 'node:os';
import { intIn, intOf } from '../cli-args';
import type { Command } from 'commander';

type Parse = (name: string) => (v: string) => number;

/** Adds `simulate`, `calibrate`, `validate-model` and `plan` (docs/simulator.md) to the CLI. */
export function addSimCommands(program: Command, int: Parse, positive: Parse): void {
  program
    .command('simulate')
    .description('run a scenario on the virtual clock with the simulated network and service-time model')
    .requiredOption('-s, --scenario <file>', 'scenario file (YAML or JSON)')
    .option('--scale <x>', 'override the scenario scale', positive('scale'))
    .option('--seed <n>', 'override the scenario seed', int('seed'))
    .option('--duration <sec>', 'override the scenario duration', positive('duration'))
    .option('-m, --model <file>', 'service-time model (from `upi-lab calibrate`); default built-in')
    .option('-o, --out <file>', 'result JSON (default results/<name>-simulated-seed<seed>.json)')
    .option('--no-progress', 'no progress bar')
    .option('-q, --quiet', 'no summary, only where the result went')
    .option('--apply-plan <file>', 'apply the recommended configuration of a plan JSON (`upi-lab plan`)')
    .option(
      '--raft <n>',
      'run the switch as n real Raft replicas (3 or 5; in-process network)',
      intOf('raft', [3, 5]),
    )
    .action(async (o) => {
      const { simulateCommand } = await import('./simulate.command');
      process.exitCode = await simulateCommand(o);
    });

  program
    .command('plan')
    .description("search the scenario's plan knobs for the cheapest configuration meeting an SLO (simulated)")
    .requiredOption('-s, --scenario <file>', 'scenario file with a `plan` section')
    .requiredOption(
      '--slo <slo>',
      'objective, e.g. "success>=99.5,p99<=2000" (success %, p50/p95/p99/max ms, throughput)',
    )
    .option(
      '--window <sec>',
      'the SLO must also hold in every window of this many seconds (0: whole run only)',
      Number,
      5,
    )
    .option('--scale <x>', 'override the scenario scale (smaller plans faster)', positive('scale'))
    .option('--duration <sec>', 'override the scenario duration', positive('duration'))
    .option('-m, --model <file>', 'service-time model (from `upi-lab calibrate`)')
    .option('-o, --out <base>', 'writes <base>.json and <base>.html (default results/plan-<name>)')
    .option(
      '--workers <n>',
      'simulations at once in worker threads (default: one per core; 1: in this process). Same plan either way; each full-scale NYE simulation needs ~2.5 GB',
      intIn('workers', 1, 64),
      availableParallelism(),
    )
    .action(async (o) => {
      const { planCommand } = await import('./plan.command');
      process.exitCode = await planCommand(o);
    });

  program
    .command('calibrate')
    .description(
      "measure the live stack at a few rates and fit the simulator's model (hold /tmp/live-stack.lock)",
    )
    .option(
      '-s, --scenario <file>',
      'scenario the stack runs (its curve is replaced by each rate)',
      'scenarios/calibrate.yaml',
    )
    .option('--rates <list>', 'payments per second to measure, after scale', '50,100,200')
    .option('--duration <sec>', 'seconds per rate', positive('duration'), 20)
    .option('-o, --out <file>', 'model file to write', 'results/model.json')
    .option('--reuse', 'fit again from the live results of an earlier calibration (no live stack)')
    .option(
      '--warmup <sec>',
      'unmeasured run at the first rate before measuring (fresh stacks are slow)',
      positive('warmup'),
      5,
    )
    .action(async (o) => {
      const { calibrateCommand } = await import('./calibrate.command');
      process.exitCode = await calibrateCommand(o);
    });
  program
    .command('validate-model')
    .description('run one scenario live and simulated with a model; print predicted against measured')
    .option('-s, --scenario <file>', 'a small scenario (the live stack runs it)', 'scenarios/calibrate.yaml')
    .requiredOption('-m, --model <file>', 'model file (from `upi-lab calibrate`)')
    .option('--duration <sec>', 'override the scenario duration', positive('duration'))
    .option('--tolerance <x>', 'allowed relative difference per figure', positive('tolerance'), 0.15)
    .option(
      '--repeat <n>',
      'live runs on the same stack; each figure is their median (noisy hosts)',
      int('repeat'),
      1,
    )
    .option('-o, --out <file>', 'comparison JSON (results, live and simulated, beside it)')
    .action(async (o) => {
      const { validateModelCommand } = await import('./validate-model.command');
      process.exitCode = await validateModelCommand(o);
    });
}

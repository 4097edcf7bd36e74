import { availableParallelism } from 'node:os';
import { intIn } from './cli-args';
import { InvalidArgumentError, type Command } from 'commander';
import { InputError } from '../../../libs/domain/src';

type NumberArg = (name: string) => (v: string) => number;

const share = (v: string) => {
  const n = Number(v);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError('--target must be a share in (0, 1], e.g. 0.99');
  return n;
};

/** Runs a command; a bad input (a bad file, an unknown strategy) is one line on stderr and exit code 2. */
async function guarded(f: () => Promise<number> | number): Promise<void> {
  try {
    process.exitCode = await f();
  } catch (err) {
    if (err instanceof InputError || (err instanceof Error && err.name === 'Error')) {
      console.error(err.message);
      process.exitCode = 2;
    } else throw err;
  }
}

/** Adds `compare` and `report` to the CLI. */
export function addReportCommands(program: Command, int: NumberArg, positive: NumberArg): void {
  program
    .command('compare')
    .description(
      'run a scenario once per scheduling strategy × batch size and write an HTML report (charts, no network needed) plus JSON. ' +
        'Runs on a virtual clock by default: deterministic and much faster than real time',
    )
    .requiredOption('-s, --scenario <file>', 'scenario file (YAML or JSON)')
    .option(
      '--strategies <list>',
      'scheduling strategies, comma-separated: fifo, strict-priority, weighted-fair, earliest-deadline-first',
      'fifo,strict-priority,earliest-deadline-first',
    )
    .option('--batch <sizes>', 'batch sizes, comma-separated', '1,50,200')
    .option(
      '--batch-policy <policy>',
      "batching policy for every run: fixed | linger | adaptive (default: the scenario's)",
    )
    .option('--seed <n>', 'override the scenario seed', int('seed'))
    .option('--scale <x>', 'override the scenario scale', positive('scale'))
    .option('--duration <sec>', 'override the scenario duration', positive('duration'))
    .option('--virtual', 'run on a virtual clock (the default; kept for explicitness)')
    .option('--wall-clock', 'run in real time instead (each run takes the scenario duration plus its drain)')
    .option(
      '--simulate',
      'run each combination in the simulator (modelled service times and network; mode simulated)',
    )
    .option('-o, --out <dir>', 'output folder (default results/compare-<scenario>-<time>)')
    .option(
      '--workers <n>',
      'virtual-clock runs at once in worker threads (default: one per core; 1: in this process); same results',
      intIn('workers', 1, 64),
      availableParallelism(),
    )
    .option(
      '--target <share>',
      "share of a class's payments that must start within its deadline (default 0.99)",
      share,
    )
    .option('--no-progress', 'no progress bar')
    .action(async (o) => {
      if (o.virtual && o.wallClock)
        throw new InvalidArgumentError('--virtual and --wall-clock exclude each other');
      const { compareCommand } = await import('./compare.command');
      await guarded(() => compareCommand(o));
    });

  program
    .command('report <files...>')
    .description(
      'build the comparison report (HTML + JSON) from saved result files of any mode (embedded, live, simulated, k6)',
    )
    .option('-o, --out <file>', 'report path; .html and .json are written (default results/report-<time>)')
    .option('--title <text>', 'report title')
    .option(
      '--target <share>',
      "share of a class's payments that must start within its deadline (default 0.99)",
      share,
    )
    .action(async (files: string[], o) => {
      const { reportCommand } = await import('./report.command');
      await guarded(() => reportCommand(files, o));
    });
}

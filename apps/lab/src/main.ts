#!/usr/bin/env node
import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { int, positive } from './cli-args';
import { cliErrorText } from './cli-error';
import { runCommand } from './run.command';
import { addStackCommands } from './stack/stack.command';
import { addReportCommands } from './report.commands';
import { addSimCommands } from './sim/sim.commands';
import { relaunchWithYoungGeneration } from './young-generation';

const program = new Command()
  .name('upi-lab')
  .description('UPI LoadLab: load-test and size a UPI-style payment switch')
  .showHelpAfterError();

program
  .command('run')
  .description('run a scenario against the embedded system and write the result JSON')
  .requiredOption('-s, --scenario <file>', 'scenario file (YAML or JSON)')
  .option('-o, --out <file>', 'where to write the result JSON (default results/<name>-<time>.json)')
  .option('--seed <n>', 'override the scenario seed', int('seed'))
  .option('--scale <x>', 'override the scenario scale', positive('scale'))
  .option('--duration <sec>', 'override the scenario duration', positive('duration'))
  .option('--virtual', 'run on a virtual clock, as fast as the CPU allows (deterministic)')
  .option(
    '--strategy <name>',
    'switch scheduling: fifo | strict-priority | weighted-fair | earliest-deadline-first',
  )
  .option('--batch <policy>', 'batching: fixed | linger | adaptive')
  .option('--batch-size <n>', 'batch size (fixed) or largest batch (linger, adaptive)', int('batch size'))
  .option('--breaker <policy>', 'breakers at the switch: off | fixed | adaptive')
  .option('--live', 'drive the live stack (`upi-lab stack up`) over HTTP instead of the embedded system')
  .option(
    '--target <urls>',
    'with --live: the PSP URL(s) to load, comma-separated (default: every PSP of the stack)',
  )
  .option('--no-progress', 'no progress bar')
  .action(async (o) => {
    if (o.live) {
      // The stack's processes read their strategies from the scenario file at `stack up`.
      for (const flag of ['virtual', 'seed', 'scale', 'strategy', 'batch', 'batchSize', 'breaker'])
        if (o[flag] !== undefined) throw new InvalidArgumentError(`--${flag} does not apply to --live runs`);
      const { runLiveCommand } = await import('./stack/run-live.command');
      process.exitCode = await runLiveCommand(o);
      return;
    }
    process.exitCode = await runCommand(o);
  });

program
  .command('serve')
  .description('start the embedded system with the PSP HTTP API on 127.0.0.1')
  .option('-s, --scenario <file>', 'scenario file for the topology', 'scenarios/smoke.yaml')
  .option('-p, --port <n>', 'HTTP port', int('port'), 8080)
  .option('--host <addr>', 'address to listen on', '127.0.0.1')
  .action(async (o) => {
    // Nest and Fastify load only for the commands that serve HTTP.
    const { serveCommand } = await import('./serve.command');
    await serveCommand(o);
  });

program
  .command('load')
  .description(
    'open-model load test of the live stack: the scenario curve (or a replay), faults in step, thresholds',
  )
  .requiredOption(
    '-s, --scenario <file>',
    'scenario file (YAML or JSON); the stack must run its topology and seed',
  )
  .option('--scale <x>', 'override the scenario scale (sets the offered rate)', positive('scale'))
  .option('--target <urls>', 'PSP URL(s) to load, comma-separated (default: every PSP of the stack)')
  .option(
    '--replay <file.csv>',
    'drive arrivals from a per-second rate file (time_s,rate) instead of the curve',
  )
  .option('-o, --out <file>', 'where to write the result JSON (default results/<name>-load-<time>.json)')
  .option(
    '--max-lag <ms>',
    'an arrival not sent this long after its time is dropped (default 1000)',
    int('max-lag'),
  )
  .option(
    '--connections <n>',
    'keep-alive connections in all (default: sized from the peak rate)',
    int('connections'),
  )
  .option('--status-poll <first,every,max>', "polls of a 202 in seconds (default NPCI's 45,90,3)")
  .option('--no-progress', 'no progress bar')
  .action(async (o) => {
    const { loadCommand } = await import('./load/load.command');
    process.exitCode = await loadCommand(o);
  });

program
  .command('k6-export')
  .description('write the scenario as the JSON plan the k6 scripts in loadtests/k6 read')
  .requiredOption('-s, --scenario <file>', 'scenario file (YAML or JSON)')
  .requiredOption('-o, --out <file>', 'where to write the plan JSON')
  .option('--scale <x>', 'override the scenario scale', positive('scale'))
  .option('--status-poll <first,every,max>', "polls of a 202 in seconds (default NPCI's 45,90,3)")
  .action(async (o) => {
    const { k6ExportCommand } = await import('./load/k6-export.command');
    process.exitCode = k6ExportCommand(o);
  });

addStackCommands(program, int);
addReportCommands(program, int, positive);
addSimCommands(program, int, positive);

let relaunched = false;
try {
  relaunched = relaunchWithYoungGeneration();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
}

if (!relaunched)
  program.parseAsync(process.argv).catch((err: unknown) => {
    console.error(cliErrorText(err));
    process.exitCode = 2;
  });

import type { Command } from 'commander';
import { intOf } from '../cli-args';
import {
  k6Env,
  stackDown,
  stackKill,
  stackKillSwitchLeader,
  stackRestart,
  stackStart,
  stackStatus,
  stackUp,
} from './stack';

/** Adds `stack up|down|status|kill|start|restart` to the CLI. */
export function addStackCommands(program: Command, int: (name: string) => (v: string) => number): void {
  const stack = program
    .command('stack')
    .description('the live stack: Kafka, Redis and each service its own process on 127.0.0.1');
  stack
    .command('up')
    .description(
      'start Kafka and Redis (unless running), then switch, banks, clearing and PSP; wait for health',
    )
    .option(
      '-s, --scenario <file>',
      'scenario file every process builds its topology from',
      'scenarios/smoke.yaml',
    )
    .option(
      '--base-port <n>',
      'first PSP port (PSPs base…base+N-1); switch base+N, clearing base+N+1, banks base+N+9…',
      int('base-port'),
      18080,
    )
    .option('--bank-processes <n>', 'bank processes sharing the banks', int('bank-processes'), 1)
    .option(
      '--psp-processes <n>',
      'PSP processes psp-1…psp-N sharing one Redis idempotency store',
      int('psp-processes'),
      1,
    )
    .option(
      '--switch-replicas <n>',
      'switch replicas on Raft (switch-1…N in Mumbai, Delhi, Chennai…): 3 or 5; 1 = one node, log in memory',
      intOf('switch-replicas', [1, 3, 5]),
      3,
    )
    .option('--run-id <id>', 'namespace of Redis keys and Kafka topics (default: fresh)')
    .action(
      async (o: {
        scenario: string;
        basePort: number;
        bankProcesses: number;
        pspProcesses: number;
        switchReplicas: number;
        runId?: string;
      }) => {
        await stackUp({
          scenario: o.scenario,
          basePort: o.basePort,
          bankProcesses: o.bankProcesses,
          pspProcesses: o.pspProcesses,
          switchReplicas: o.switchReplicas,
          ...(o.runId ? { runId: o.runId } : {}),
        });
      },
    );
  stack
    .command('down')
    .description(
      "stop exactly what `up` started (Kafka and Redis only if it started them); the run's Kafka topics and Redis keys are deleted",
    )
    .option('--keep-data', "keep the run's Kafka topics and Redis keys (to look at them after)")
    .action(async (o: { keepData?: boolean }) => stackDown(console.log, { keepData: o.keepData === true }));
  stack
    .command('status')
    .description('each component up or down, with address and pid')
    .action(async () => {
      const { state, components } = await stackStatus();
      if (state) console.log(`run ${state.runId}, scenario ${state.scenario}`);
      else console.log('no stack started by upi-lab');
      for (const c of components)
        console.log(
          `  ${c.name.padEnd(9)} ${c.up ? 'up  ' : 'down'}  ${c.url}${c.pid ? `  pid ${c.pid}` : ''}`,
        );
      if (state) console.log(`  k6 env    ${k6Env(state.components)}`);
      if (state && components.some((c) => !c.up && c.name !== 'kafka' && c.name !== 'redis'))
        process.exitCode = 3;
    });
  stack
    .command('kill <name>')
    .description(
      'signal a component (psp-N, switch-N, switch-leader, clearing, bank-N; psp / bank / switch for all of them); default SIGKILL',
    )
    .option('--signal <sig>', 'signal name', 'SIGKILL')
    .action(async (name: string, o: { signal: string }) => {
      const sent =
        name === 'switch-leader'
          ? await stackKillSwitchLeader(o.signal as NodeJS.Signals)
          : stackKill(name, o.signal as NodeJS.Signals);
      for (const k of sent) console.log(`sent ${k}`);
    });
  stack
    .command('start <name>')
    .description('start a component that is down, with its original environment')
    .action(async (name: string) => {
      for (const s of await stackStart(name)) console.log(`started ${s}`);
    });
  stack
    .command('restart <name>')
    .description('stop (SIGTERM, or SIGKILL with --hard) and start a component')
    .option('--hard', 'kill -9 instead of a clean stop')
    .action(async (name: string, o: { hard?: boolean }) => {
      for (const s of await stackRestart(name, o.hard === true)) console.log(`restarted ${s}`);
    });
}

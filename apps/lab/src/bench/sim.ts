#!/usr/bin/env node
/**
 * Simulator benchmark (`npm run bench:sim`): simulated payments per wall-clock second on one core
 * at full NYE scale (median of --reps), and the heap over a long simulated period (is it bounded?).
 * Writes JSON under results/. Run with --expose-gc so heap samples are taken after a collection.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadScenario } from '../../../../libs/scenarios/src';
import { simulate } from '../../../../libs/sim/src';

const AIM_PAYMENTS_PER_WALL_SEC = 50_000;

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

interface Options {
  scenario: string;
  seconds: number;
  reps: number;
  longSeconds: number;
  longScale: number;
  /** Switch replicas on Raft for the memory run only (absent: as the scenario says). */
  longRaft?: number;
  out: string;
}

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1e5) / 10;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(o: Options): Promise<void> {
  const speed = [];
  for (let r = 1; r <= o.reps; r++) {
    const s = loadScenario(o.scenario, { durationSec: o.seconds, scale: 1 });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await simulate(s);
    const wallSec = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSec = (cpu.user + cpu.system) / 1e6;
    const point = {
      rep: r,
      simulatedSec: o.seconds,
      payments: res.offered,
      wallSec: round(wallSec),
      cpuSec: round(cpuSec),
      paymentsPerWallSec: Math.round(res.offered / wallSec),
      paymentsPerCpuSec: Math.round(res.offered / cpuSec),
      events: (res.extensions?.sim as { events: number }).events,
    };
    speed.push(point);
    console.error(`[bench:sim] speed run ${r}/${o.reps}: ${JSON.stringify(point)}`);
  }

  // Memory: a long constant stretch of the incident at a smaller scale, heap sampled as it runs.
  const long = loadScenario(o.scenario, { durationSec: o.longSeconds, scale: o.longScale });
  const samples: { simulatedSec: number; offered: number; heapMb: number }[] = [];
  let next = 0;
  const before = heapMb();
  const res = await simulate(long, {
    ...(o.longRaft !== undefined ? { raftReplicas: o.longRaft } : {}),
    onProgress: (p) => {
      if (p.phase !== 'load' || p.elapsedSec < next) return;
      next += Math.max(1, Math.round(o.longSeconds / 12));
      samples.push({ simulatedSec: p.elapsedSec, offered: p.offered, heapMb: heapMb() });
      console.error(
        `[bench:sim] long run ${p.elapsedSec}/${o.longSeconds} s: heap ${samples.at(-1)!.heapMb} MB`,
      );
    },
  });
  const first = samples[1] ?? samples[0]!;
  const last = samples.at(-1)!;
  const bytesPerPayment =
    last.offered > first.offered
      ? Math.round(((last.heapMb - first.heapMb) * 1e6) / (last.offered - first.offered))
      : null;

  const report = {
    bench: 'simulator',
    startedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, loadavg: loadavg().map(round) },
    aim: { paymentsPerWallSec: AIM_PAYMENTS_PER_WALL_SEC },
    speed: {
      scenario: o.scenario,
      scale: 1,
      reps: speed,
      medianPaymentsPerWallSec: median(speed.map((p) => p.paymentsPerWallSec)),
      medianPaymentsPerCpuSec: median(speed.map((p) => p.paymentsPerCpuSec)),
    },
    memory: {
      scenario: o.scenario,
      scale: o.longScale,
      simulatedSec: o.longSeconds,
      ...(o.longRaft !== undefined ? { raftReplicas: o.longRaft } : {}),
      payments: res.offered,
      heapBeforeMb: before,
      samples,
      growthBytesPerPayment: bytesPerPayment,
      bounded: bytesPerPayment !== null && bytesPerPayment < 50,
      gcBeforeSamples: gc !== undefined,
    },
  };
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n');
  console.log(
    `simulator: median ${report.speed.medianPaymentsPerWallSec} simulated payments per wall-clock second ` +
      `(${report.speed.medianPaymentsPerCpuSec} per CPU second; aim ${AIM_PAYMENTS_PER_WALL_SEC}); ` +
      `heap grows ${bytesPerPayment ?? '-'} bytes per payment over ${o.longSeconds} simulated s; written to ${o.out}`,
  );
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

new Command()
  .name('bench:sim')
  .option('-s, --scenario <file>', 'scenario at full scale', 'scenarios/nye-2024-incident.yaml')
  .option(
    '--seconds <n>',
    'simulated seconds per speed run (from the start of the curve)',
    positive('seconds'),
    20,
  )
  .option('--reps <n>', 'speed runs (the median is reported)', positive('reps'), 3)
  .option('--long-seconds <n>', 'simulated seconds of the memory run', positive('long-seconds'), 600)
  .option('--long-scale <x>', 'scale of the memory run', positive('long-scale'), 0.02)
  .option('--long-raft <n>', 'memory run with the switch as Raft replicas (3 or 5)', positive('long-raft'))
  .option('-o, --out <file>', 'JSON report', 'results/bench-sim.json')
  .parseAsync(process.argv)
  .then((cmd) => main(cmd.opts<Options>()))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 2;
  });

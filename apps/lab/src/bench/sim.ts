#!/usr/bin/env node
/**
 * Simulator benchmark (`npm run bench:sim`): simulated payments per wall-clock second on one core
 * at full NYE scale (median of --reps), and the heap over a long simulated period (is it bounded?).
 * Writes JSON under results/. Run with --expose-gc so heap samples are taken after a collection.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { loadScenario } from '../../../../libs/scenarios/src';
import { simulate } from '../../../../libs/sim/src';
import { positive } from '../cli-args';
import { cliErrorText } from '../cli-error';

const AIM_PAYMENTS_PER_WALL_SEC = 50_000;

interface Options {
  scenario: string;
  seconds: number;
  reps: number;
  longSeconds: number;
  longScale: number;
  /** Switch replicas on Raft for the memory run only (absent: as the scenario says). */
  longRaft?: number;
  /** Also one run of the whole scenario at full scale (the retention window full, as in real use). */
  whole: boolean;
  out: string;
}

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1e5) / 10;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Garbage-collection pauses on the main thread (ms) while `work` runs: its share of the wall time. */
async function timed<T>(
  work: () => Promise<T>,
): Promise<{ value: T; wallSec: number; cpuSec: number; gcPauseShare: number }> {
  let gcMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  obs.observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // Entries are delivered on a later turn: let the last ones in before reading the sum.
  await new Promise((r) => setImmediate(r));
  obs.disconnect();
  return {
    value,
    wallSec: wallMs / 1000,
    cpuSec: (cpu.user + cpu.system) / 1e6,
    gcPauseShare: round(gcMs / wallMs),
  };
}

async function main(o: Options): Promise<void> {
  const speed = [];
  for (let r = 1; r <= o.reps; r++) {
    const s = loadScenario(o.scenario, { durationSec: o.seconds, scale: 1 });
    const { value: res, wallSec, cpuSec, gcPauseShare } = await timed(() => simulate(s));
    const point = {
      rep: r,
      simulatedSec: o.seconds,
      payments: res.offered,
      wallSec: round(wallSec),
      cpuSec: round(cpuSec),
      paymentsPerWallSec: Math.round(res.offered / wallSec),
      paymentsPerCpuSec: Math.round(res.offered / cpuSec),
      events: (res.extensions?.sim as { events: number }).events,
      gcPauseShare,
    };
    speed.push(point);
    console.error(`[bench:sim] speed run ${r}/${o.reps}: ${JSON.stringify(point)}`);
  }

  // The whole scenario: after its first 35 s the retention window is full (a million payments held
  // at 25,000/s), so the collector has far more to trace than in the 20 s slices above.
  let whole = null;
  if (o.whole) {
    const s = loadScenario(o.scenario, { scale: 1 });
    gc?.(); // the speed runs' garbage is not this run's
    // Used heap as sampled (live objects and garbage not yet collected): what the process needs.
    let peakHeapMb = 0;
    let shown = 0;
    const t = await timed(() =>
      simulate(s, {
        onProgress: (p) => {
          peakHeapMb = Math.max(peakHeapMb, Math.round(process.memoryUsage().heapUsed / 1e6));
          if (p.phase !== 'load' || p.elapsedSec < shown) return;
          shown += 10;
          console.error(
            `[bench:sim] whole scenario ${p.elapsedSec}/${s.durationSec} s: ${p.offered} payments, heap ${peakHeapMb} MB`,
          );
        },
      }),
    );
    whole = {
      simulatedSec: s.durationSec,
      payments: t.value.offered,
      wallSec: round(t.wallSec),
      cpuSec: round(t.cpuSec),
      paymentsPerWallSec: Math.round(t.value.offered / t.wallSec),
      paymentsPerCpuSec: Math.round(t.value.offered / t.cpuSec),
      gcPauseShare: t.gcPauseShare,
      peakHeapUsedMb: peakHeapMb,
    };
    console.error(`[bench:sim] whole scenario: ${JSON.stringify(whole)}`);
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
      whole,
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
      (whole ? `whole scenario ${whole.paymentsPerWallSec}/s (${whole.payments} payments); ` : '') +
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
  .option('--no-whole', 'skip the run of the whole scenario at full scale (about 2.5 min here)')
  .option('-o, --out <file>', 'JSON report', 'results/bench-sim.json')
  .parseAsync(process.argv)
  .then((cmd) => main(cmd.opts<Options>()))
  .catch((err: unknown) => {
    console.error(cliErrorText(err));
    process.exitCode = 2;
  });

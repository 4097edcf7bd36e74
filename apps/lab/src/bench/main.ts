#!/usr/bin/env node
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Protocol } from '../../../../libs/scenarios/src';
import {
  BENCH_BANK_CAPACITY_TPS,
  BENCH_BANK_LATENCY_MS,
  benchScenario,
  scenarioJson,
} from './bench-scenario';
import { positiveInt } from '../cli-args';
import { runBatchSweep, type BatchSweep } from './batch-sweep';
import { bodyPool, loadPoint, startServer, type HttpPoint } from './http';
import { runInproc } from './inproc';
import { LIVE_LIMITS, runLiveBench } from './live';
import { batchTable, httpTable, inprocTable, seriesOf, type InprocSeries } from './report';
import { cliErrorText } from '../cli-error';

/** The foundation issue's aims. */
const AIM = { inprocTps: 20_000, httpTps: 3_000, httpP99Ms: 50 } as const;
const PROTOCOLS: readonly Protocol[] = ['upi', 'classic-2pc'];

interface BenchOptions {
  only?: 'inproc' | 'http' | 'batch' | 'live';
  seconds: number;
  warmup: number;
  out?: string;
  scenario: string;
  reps: number;
  concurrency: number;
  connections: number[];
  rates: number[];
  all?: boolean;
}

const intList = (v: string) => {
  const xs = v.split(',').map(Number);
  if (xs.length === 0 || xs.some((n) => !Number.isInteger(n) || n <= 0))
    throw new InvalidArgumentError('connections must be a comma-separated list of positive integers');
  return xs;
};

const t0 = performance.now();
const progress = (phase: string) => (msg: string) =>
  process.stderr.write(
    `[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${phase}: ${msg}\n`,
  );

async function main(o: BenchOptions): Promise<void> {
  const startedAt = new Date().toISOString();
  const out = o.out ?? `results/bench-${startedAt.replace(/[:.]/g, '-')}.json`;
  let inproc: InprocSeries[] | null = null;
  let http: HttpPoint[] | null = null;
  let batchSweep: BatchSweep | null = null;

  if (o.only === 'live') return liveMain(o, startedAt, out);

  if (!o.only || o.only === 'inproc') {
    inproc = [];
    for (const protocol of PROTOCOLS) {
      const scenario = benchScenario(o.scenario, protocol);
      const runs = [];
      for (let r = 1; r <= o.reps; r++) {
        runs.push(
          await runInproc({
            scenario,
            concurrency: o.concurrency,
            warmupSec: o.warmup,
            measureSec: o.seconds,
            keyPrefix: `bench-${protocol}-${r}`,
            progress: progress(`in-process ${protocol} run ${r}/${o.reps}`),
          }),
        );
        const last = runs[runs.length - 1]!;
        progress(`in-process ${protocol} run ${r}/${o.reps}`)(
          `${last.paymentsPerSec} payments/s, p99 ${last.latencyMs.p99} ms, invariants ${last.invariantsOk ? 'ok' : 'FAILED'}`,
        );
      }
      inproc.push(seriesOf(protocol, runs));
    }
  }

  if (!o.only || o.only === 'http') {
    const log = progress('http');
    const scenario = benchScenario(o.scenario, 'upi');
    const dir = mkdtempSync(join(tmpdir(), 'upi-bench-'));
    const file = join(dir, 'bench-scenario.json');
    writeFileSync(file, scenarioJson(scenario));
    const server = await startServer(resolve(__dirname, '..', 'main.js'), file, log);
    try {
      const bodies = bodyPool(scenario, 20_000);
      http = [];
      for (const c of o.connections) {
        log(`${c} connections: warm-up ${o.warmup} s`);
        await loadPoint(server.url, bodies, `warm-${c}-${process.pid}`, c, o.warmup);
        log(`${c} connections: measuring ${o.seconds} s`);
        const p = await loadPoint(server.url, bodies, `bench-${c}-${process.pid}`, c, o.seconds);
        log(`${c} connections: ${p.requestsPerSec} req/s, p99 ${p.latencyMs.p99} ms, non-2xx ${p.non2xx}`);
        http.push(p);
      }
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  if (!o.only || o.only === 'batch') {
    batchSweep = await runBatchSweep({
      baseScenario: o.scenario,
      warmupSec: o.warmup,
      concurrency: o.concurrency,
      progress,
    });
  }

  const cpuList = cpus();
  const result = {
    schemaVersion: 1,
    kind: 'bench',
    startedAt,
    finishedAt: new Date().toISOString(),
    aims: AIM,
    machine: {
      cpus: cpuList.length,
      model: cpuList[0]?.model ?? 'unknown',
      node: process.version,
      v8: process.versions.v8,
      platform: `${platform()} ${release()}`,
      totalMemMb: Math.round(totalmem() / 1e6),
      freeMemMbAtEnd: Math.round(freemem() / 1e6),
      loadAvgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
    },
    notes: [
      'The machine is shared with other work and noisy: treat single figures with care. The in-process figures are medians of the repetitions (all values under runs).',
      `Banks are not the limit: capacity ${BENCH_BANK_CAPACITY_TPS} tps each, latency p50 ${BENCH_BANK_LATENCY_MS.p50} ms / p99 ${BENCH_BANK_LATENCY_MS.p99} ms, no faults, no client retries, so the figures measure our code (PSP, switch, 2PC, bank cores, in-memory bus and ledger, clearing). Topology and payment mix from ${o.scenario}.`,
      'In-process: closed loop of `concurrency` payers calling psp.pay(key, body) with unique keys on one Node event loop (wall clock); latency is pay() call to answer; a 202 PENDING answer counts as answered with outcome PENDING. cpuCoresUsed is CPU seconds per wall second (GC threads can push it above 1); paymentsPerCpuSec is the per-core figure.',
      'HTTP: `upi-lab serve` (embedded system + PSP Fastify app, protocol upi) in a child process; autocannon in this process on the same 2 cores, so the load generator takes CPU from the server. 2xx includes 202 PENDING answers. Latency percentiles are autocannon’s (ms, 1 ms resolution).',
    ],
    config: {
      baseScenario: o.scenario,
      measureSec: o.seconds,
      warmupSec: o.warmup,
      repetitions: o.reps,
      concurrency: o.concurrency,
      connections: o.connections,
    },
    inproc,
    http,
    batchSweep,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');

  const m = result.machine;
  console.log(`UPI LoadLab bench — ${m.cpus} × ${m.model}, node ${m.node} (shared, noisy machine)\n`);
  if (inproc) console.log(inprocTable(inproc, AIM.inprocTps) + '\n');
  if (http) console.log(httpTable(http, AIM.httpTps, AIM.httpP99Ms) + '\n');
  if (batchSweep) console.log(batchTable(batchSweep) + '\n');
  console.log(`result written to ${out}`);
  if (inproc && !inproc.every((s) => s.invariantsOk)) {
    console.error('money invariants FAILED in an in-process run: see the JSON');
    process.exitCode = 3;
  }
  if (batchSweep && !batchSweep.invariantsOk) {
    console.error('money invariants FAILED in a batch-sweep run: see the JSON');
    process.exitCode = 3;
  }
}

/** `--only live`: the rising-rate measurement of the running live stack (`upi-lab stack up`). */
async function liveMain(o: BenchOptions, startedAt: string, out: string): Promise<void> {
  const live = await runLiveBench({
    rates: o.rates,
    stepSec: o.seconds,
    progress: progress('live'),
    all: o.all ?? false,
  });
  const cpuList = cpus();
  const result = {
    schemaVersion: 1,
    kind: 'bench-live',
    startedAt,
    finishedAt: new Date().toISOString(),
    limits: LIVE_LIMITS,
    machine: {
      cpus: cpuList.length,
      model: cpuList[0]?.model ?? 'unknown',
      node: process.version,
      loadAvgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
    },
    notes: [
      'Everything on this machine (shared with other work, noisy): stack processes, Kafka, Redis (appendfsync always) and this generator.',
      "Each step offers the stack's scenario flat at the rate, without faults, then drains and checks the invariants. Success = 1 − (technical declines + unanswered) / offered; business declines are correct answers.",
      'cpuPercent: share of one core over the load window from /proc/<pid>/stat; maxConsumerLag: highest total lag per group in samples every 2 s.',
    ],
    ...live,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log('rate/s  done/s    p50 ms    p99 ms  success  inv  cpu % (process)');
  for (const s of live.steps)
    console.log(
      `${String(s.ratePerSec).padStart(6)} ${s.completedPerSec.toFixed(0).padStart(7)} ${s.p50Ms.toFixed(0).padStart(9)} ${s.p99Ms.toFixed(0).padStart(9)} ${(s.success * 100).toFixed(2).padStart(7)}%  ${s.invariantsOk ? 'ok ' : 'BAD'}  ` +
        Object.entries(s.cpuPercent)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
    );
  console.log(
    `sustained (p99 < ${LIVE_LIMITS.p99Ms} ms, success ≥ 99.5 %): ${live.sustainedPerSec ?? 'none'}/s`,
  );
  console.log(`result written to ${out}`);
  if (!live.steps.every((s) => s.invariantsOk)) process.exitCode = 3;
}

const program = new Command()
  .name('bench')
  .description(
    'UPI LoadLab benchmark: embedded payment flow in-process and over HTTP, and the switch batch sweep',
  )
  .addOption(new Option('--only <part>', 'run one part only').choices(['inproc', 'http', 'batch', 'live']))
  .option('--seconds <n>', 'measuring window per run / point', positiveInt('seconds'), 10)
  .option('--warmup <n>', 'warm-up before each run / point', positiveInt('warmup'), 2)
  .option('--out <file>', 'result JSON (default results/bench-<ISO time>.json)')
  .option(
    '--scenario <file>',
    'scenario whose topology and payment mix the bench uses',
    'scenarios/smoke.yaml',
  )
  .option('--reps <n>', 'in-process repetitions per protocol (median reported)', positiveInt('reps'), 3)
  .option('--concurrency <n>', 'in-process closed-loop payers', positiveInt('concurrency'), 512)
  .option('--connections <list>', 'HTTP connection counts', intList, [10, 50, 100])
  .option(
    '--rates <list>',
    'live: payments/s per step, rising (the stack must be up; --seconds is the step length)',
    intList,
    [250, 500, 1000, 1500, 2000, 2500, 3000],
  )
  .option('--all', 'live: run every rate, also after one breaks the limits')
  .showHelpAfterError();

program
  .parseAsync(process.argv)
  .then(() => main(program.opts<BenchOptions>()))
  .catch((err: unknown) => {
    console.error(cliErrorText(err));
    process.exitCode = 2;
  });

import { performance } from 'node:perf_hooks';
import { buildTopology, TrafficGenerator, type Scenario } from '../../../../libs/scenarios/src';
import type { InvariantCheck } from '../../../../libs/scenarios/src/result';
import { EmbeddedSystem, summarise, wallClock, type LatencySummary } from '../../../../libs/runtime/src';
import { readBackAndCheck } from '../../../../libs/runtime/src';

export interface InprocOptions {
  readonly scenario: Scenario;
  /** Closed-loop payers: each sends its next payment as soon as the previous one is answered. */
  readonly concurrency: number;
  readonly warmupSec: number;
  readonly measureSec: number;
  /** Unique per run, so keys never repeat across repetitions. */
  readonly keyPrefix: string;
  readonly progress: (msg: string) => void;
}

export interface InprocRun {
  readonly paymentsPerSec: number;
  /** Payments answered inside the measuring window. */
  readonly answered: number;
  /** pay() call to its answer, ms. */
  readonly latencyMs: LatencySummary;
  /** Answers by outcome: SUCCESS / DECLINED / DEEMED / PENDING (202 after pspWaitMs) / REJECTED (4xx) / ERROR (pay() threw). */
  readonly outcomes: Record<string, number>;
  readonly successShare: number;
  /** Event-loop utilisation over the window (1 = the loop never idled: CPU-bound). */
  readonly eventLoopUtilization: number;
  /** CPU seconds (user + system) per wall second over the window; > 1 means GC or libuv threads helped. */
  readonly cpuCoresUsed: number;
  /** Payments per CPU second: the honest per-core figure. */
  readonly paymentsPerCpuSec: number;
  readonly heapUsedMb: number;
  /** Time from the end of the window until every payment and 2PC round had finished. */
  readonly drainSec: number;
  /** Payments per batch the switch stage formed over the whole run (warm-up included). */
  readonly meanBatch: number;
  readonly invariants: InvariantCheck[];
  readonly invariantsOk: boolean;
}

/**
 * One in-process run: the embedded system on the wall clock, fed by a closed loop of payers calling
 * `psp.pay` directly (no HTTP). Warm-up first, then a fixed measuring window; answers are counted and
 * timed when they land inside the window. Afterwards the payers stop, the system drains, and the money
 * invariants are checked, so a fast but wrong run shows.
 */
export async function runInproc(o: InprocOptions): Promise<InprocRun> {
  const { timers } = wallClock();
  const topology = buildTopology(o.scenario);
  const system = await EmbeddedSystem.start({ scenario: o.scenario, topology, timers });
  const traffic = new TrafficGenerator(o.scenario, topology, { keyPrefix: o.keyPrefix });

  let measuring = false;
  let stopping = false;
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};

  const payer = async (): Promise<void> => {
    while (!stopping) {
      const a = traffic.next();
      if (!a) return;
      const t0 = performance.now();
      let status: string;
      try {
        const res = await system.psp.pay(a.idempotencyKey, a.body);
        status =
          res.httpStatus >= 400 ? 'REJECTED' : String((res.body as { status?: unknown }).status ?? 'UNKNOWN');
      } catch {
        // pay() throws only on a bug or a stopped PSP: counted, so it shows, rather than ending the bench.
        status = 'ERROR';
      }
      if (!measuring) continue;
      latencies.push(performance.now() - t0);
      outcomes[status] = (outcomes[status] ?? 0) + 1;
    }
  };

  const started = performance.now();
  const payers = Array.from({ length: o.concurrency }, () => payer());
  o.progress(`warm-up ${o.warmupSec} s`);
  await sleep(o.warmupSec * 1000);

  measuring = true;
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  const ticker = setInterval(
    () =>
      o.progress(
        `measuring ${((performance.now() - w0) / 1000).toFixed(0)}/${o.measureSec} s, ${latencies.length} answered`,
      ),
    2000,
  );
  await sleep(o.measureSec * 1000);
  measuring = false;
  const wallSec = (performance.now() - w0) / 1000;
  const elu = performance.eventLoopUtilization(elu0);
  const cpu = process.cpuUsage(cpu0);
  clearInterval(ticker);
  const heapUsedMb = Math.round(process.memoryUsage().heapUsed / 1e6);

  stopping = true;
  const d0 = performance.now();
  o.progress('draining');
  await Promise.all(payers);
  while (system.switchNode.active > 0 && performance.now() - d0 < 60_000) await sleep(50);
  // Let the last commits reach clearing before it is read.
  await sleep(100);
  const drainSec = (performance.now() - d0) / 1000;
  const { counters } = system.switchNode.stageStats();
  await system.stop();
  timers.clearAll();

  o.progress(`checking invariants (${Math.round((performance.now() - started) / 1000)} s)`);
  const { invariants } = await readBackAndCheck(system, topology);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const answered = latencies.length;
  return {
    paymentsPerSec: Math.round(answered / wallSec),
    answered,
    latencyMs: summarise(latencies),
    outcomes,
    successShare: answered ? round4((outcomes.SUCCESS ?? 0) / answered) : 0,
    eventLoopUtilization: round4(elu.utilization),
    cpuCoresUsed: round4(cpuSec / wallSec),
    paymentsPerCpuSec: cpuSec > 0 ? Math.round(answered / cpuSec) : 0,
    heapUsedMb,
    drainSec: Math.round(drainSec * 1000) / 1000,
    meanBatch: counters.batches ? Math.round((counters.served / counters.batches) * 100) / 100 : 0,
    invariants,
    invariantsOk: invariants.every((i) => i.ok),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

import {
  loadScenario,
  parseScenario,
  type BatchPolicy,
  type RunResult,
  type Scenario,
} from '../../../../libs/scenarios/src';
import { runScenario, summarise, virtualClock, type Answer } from '../../../../libs/runtime/src';
import {
  BENCH_BANK_CAPACITY_TPS,
  BENCH_BANK_LATENCY_MS,
  BENCH_OPENING_BALANCE_PAISE,
  benchScenario,
} from './bench-scenario';
import { runInproc, type InprocRun } from './inproc';

/** The seed's batch cost model (upi-facts.md "Batching (seed)"): one batch of n costs 20 ms + 2 ms × n. */
export const SEED_MODEL = { fixedMs: 20, perTxnMs: 2 } as const;
/** Offered load at the saturated points: above the best case (batch 500 ≈ 490/s) so the switch always queues. */
export const SATURATING_TPS = 600;
/** Moderate load: this share of the point's predicted capacity. */
export const MODERATE_SHARE = 0.3;
/** Virtual seconds per point; the first and last TRIM_SEC seconds are left out of the figures. */
export const SWEEP_DURATION_SEC = 20;
export const TRIM_SEC = 2;
/** Wall-clock pair: measuring seconds per run. */
export const WALL_MEASURE_SEC = 5;

/** Mojaloop's published position-handler figures (theirs, not ours): reference rows only. */
export const MOJALOOP_REFERENCE = [
  { label: 'Mojaloop position handler, unbatched', batch: 1, opsPerSec: 181, latencyMs: 5.4 },
  { label: 'Mojaloop position handler, batch 100', batch: 100, opsPerSec: 2220, latencyMs: 36 },
] as const;

export interface SweepPoint {
  readonly label: string;
  readonly policy: BatchPolicy;
  /** fixed: the batch size; linger / adaptive: the largest batch. */
  readonly size: number;
  readonly lingerMs?: number;
}

export const SWEEP_POINTS: readonly SweepPoint[] = [
  ...[1, 10, 50, 100, 500].map((size) => ({ label: `fixed ${size}`, policy: 'fixed' as const, size })),
  ...[1, 5, 10, 25, 50].map((lingerMs) => ({
    label: `linger ${lingerMs} ms`,
    policy: 'linger' as const,
    size: 500,
    lingerMs,
  })),
  { label: 'adaptive', policy: 'adaptive', size: 500 },
];

export interface Prediction {
  readonly msPerTxn: number;
  readonly tps: number;
}

/** The seed formula for one server: a batch of b costs (20 + 2b) ms, so (20 + 2b)/b ms per payment. */
export function seedPrediction(b: number): Prediction {
  const batchMs = SEED_MODEL.fixedMs + SEED_MODEL.perTxnMs * b;
  return { msPerTxn: round2(batchMs / b), tps: round2((b * 1000) / batchMs) };
}

export interface SweepResult {
  readonly label: string;
  readonly policy: BatchPolicy;
  readonly size: number;
  readonly lingerMs: number | null;
  readonly load: 'saturated' | 'moderate';
  readonly offeredTps: number;
  /** Arrivals per second actually drawn in the steady window (the generator's random arrivals). */
  readonly windowOfferedTps: number;
  /** Successful payments per second over the steady window. */
  readonly completedTps: number;
  /** Latency of the successful payments answered in the steady window (virtual ms). */
  readonly successLatencyMs: { readonly p50: number; readonly p99: number; readonly count: number };
  /** Share of the answers in the steady window dropped by the switch queue: deadline passed (QD) or shed (QS). */
  readonly droppedShare: { readonly QD: number; readonly QS: number };
  /** served / batches over the whole run. */
  readonly meanBatch: number;
  readonly predicted: { readonly atSize: Prediction; readonly atMeanBatch: Prediction | null };
  readonly invariantsOk: boolean;
}

export interface WallPoint {
  readonly label: string;
  readonly policy: BatchPolicy;
  readonly size: number;
  /** The switch stage model of the run (the bench scenario runs at scale 1). */
  readonly stage: { readonly servers: number; readonly fixedMs: number; readonly perTxnMs: number };
  readonly paymentsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly eventLoopUtilization: number;
  /** CPU seconds per 1,000 answered payments (declines included) and per 1,000 successful ones. */
  readonly cpuSecPer1000: number;
  readonly cpuSecPer1000Success: number;
  readonly successShare: number;
  readonly meanBatch: number;
  readonly invariantsOk: boolean;
  readonly run: InprocRun;
}

export interface BatchSweep {
  readonly notes: readonly string[];
  readonly config: {
    readonly baseScenario: string;
    readonly model: { readonly servers: 1; readonly fixedMs: number; readonly perTxnMs: number };
    readonly saturatingTps: number;
    readonly moderateShare: number;
    readonly durationSec: number;
    readonly trimSec: number;
    readonly wallMeasureSec: number;
  };
  readonly points: readonly SweepResult[];
  readonly wallClock: readonly WallPoint[];
  readonly reference: typeof MOJALOOP_REFERENCE;
  readonly invariantsOk: boolean;
}

/**
 * The batch sweep's scenario: smoke's PSPs, accounts and mix, one switch server at the seed cost
 * model (servers 1 × scale 1, so `scaledStage` gives one server at speed 1), fast banks with
 * capacity far out of the way, no faults, breaker off, FIFO, and only customer payments to known
 * payees with unique keys, so every payment the switch serves can succeed and the switch is the
 * only bottleneck.
 */
export function sweepScenario(
  baseFile: string,
  point: SweepPoint,
  tps: number,
  durationSec: number,
): Scenario {
  const base = loadScenario(baseFile);
  const raw = JSON.parse(JSON.stringify(base)) as Record<string, unknown> & {
    topology: { banks: Record<string, unknown>[]; switch: Record<string, unknown> };
    traffic: Record<string, unknown>;
    strategies: Record<string, unknown> & { batch: Record<string, unknown> };
  };
  raw.name = `batch-sweep-${point.policy}-${point.size}${point.lingerMs === undefined ? '' : `-${point.lingerMs}ms`}`;
  raw.description = `batch sweep derived from ${base.name}: one switch server (${SEED_MODEL.fixedMs} ms + ${SEED_MODEL.perTxnMs} ms/txn), fast banks, no faults, ${tps}/s`;
  raw.scale = 1;
  raw.durationSec = durationSec;
  raw.faults = [];
  raw.topology.banks = raw.topology.banks.map((b) => ({
    ...b,
    capacityTps: BENCH_BANK_CAPACITY_TPS,
    latencyMs: { ...BENCH_BANK_LATENCY_MS },
    technicalFailureRate: 0,
    openingBalancePaise: { ...BENCH_OPENING_BALANCE_PAISE },
  }));
  const stage = raw.topology.switch.stage as Record<string, unknown> | undefined;
  raw.topology.switch = {
    ...raw.topology.switch,
    protocol: 'upi',
    stage: { ...stage, servers: 1, fixedMs: SEED_MODEL.fixedMs, perTxnMs: SEED_MODEL.perTxnMs },
  };
  const traffic = { ...raw.traffic };
  delete traffic.statusCheckStorm;
  raw.traffic = {
    ...traffic,
    tpsCurve: [
      { t: 0, tps },
      { t: durationSec, tps },
    ],
    retryShare: 0,
    unknownPayeeShare: 0,
    systemInitiatedShare: 0,
  };
  raw.strategies = {
    ...raw.strategies,
    scheduling: 'fifo',
    breaker: 'off',
    batch: {
      ...raw.strategies.batch,
      policy: point.policy,
      size: point.size,
      ...(point.lingerMs === undefined ? {} : { lingerMs: point.lingerMs }),
    },
  };
  return parseScenario(JSON.stringify(raw), 'json', `${baseFile} (batch sweep, ${point.label})`);
}

interface AnswerRecord {
  readonly answeredAt: number;
  readonly latency: number;
  readonly status: Answer['status'];
  readonly code: string | null;
}

/**
 * Runs the scenario on the virtual clock, capturing every answer: the result JSON gives latency over
 * all answers (queue drops included), and the sweep wants the successful payments' alone.
 */
async function runCapturing(scenario: Scenario): Promise<{ result: RunResult; answers: AnswerRecord[] }> {
  const answers: AnswerRecord[] = [];
  const result = await runScenario(scenario, {
    clock: virtualClock(),
    mode: 'simulated',
    onAnswer: (offeredAt, answeredAt, _c, a) =>
      answers.push({ answeredAt, latency: answeredAt - offeredAt, status: a.status, code: a.code }),
  });
  return { result, answers };
}

export async function runSweepPoint(
  baseFile: string,
  point: SweepPoint,
  load: SweepResult['load'],
): Promise<SweepResult> {
  const atSize = seedPrediction(point.size);
  const offeredTps =
    load === 'saturated' ? SATURATING_TPS : Math.max(1, Math.round(atSize.tps * MODERATE_SHARE));
  const scenario = sweepScenario(baseFile, point, offeredTps, SWEEP_DURATION_SEC);
  const { result, answers } = await runCapturing(scenario);

  // Steady window [TRIM, duration − TRIM) seconds, by answer time.
  const from = TRIM_SEC * 1000;
  const to = (SWEEP_DURATION_SEC - TRIM_SEC) * 1000;
  const windowSec = (to - from) / 1000;
  const inWindow = answers.filter((a) => a.answeredAt >= from && a.answeredAt < to);
  const ok = inWindow.filter((a) => a.status === 'SUCCESS' || a.status === 'DEEMED');
  const lat = summarise(ok.map((a) => a.latency));
  const windowOffered = result.timeline
    .filter((p) => p.t >= TRIM_SEC && p.t < SWEEP_DURATION_SEC - TRIM_SEC)
    .reduce((n, p) => n + p.offered, 0);
  const share = (code: string) =>
    inWindow.length ? round4(inWindow.filter((a) => a.code === code).length / inWindow.length) : 0;

  const stage = (result.extensions?.switchStage ?? null) as {
    counters: { served: number; batches: number };
  } | null;
  const meanBatch = stage && stage.counters.batches > 0 ? stage.counters.served / stage.counters.batches : 0;
  return {
    label: point.label,
    policy: point.policy,
    size: point.size,
    lingerMs: point.lingerMs ?? null,
    load,
    offeredTps,
    windowOfferedTps: round2(windowOffered / windowSec),
    completedTps: round2(ok.length / windowSec),
    successLatencyMs: { p50: round2(lat.p50), p99: round2(lat.p99), count: lat.count },
    droppedShare: { QD: share('QD'), QS: share('QS') },
    meanBatch: round2(meanBatch),
    predicted: { atSize, atMeanBatch: meanBatch > 0 ? seedPrediction(meanBatch) : null },
    invariantsOk: result.invariants.every((i) => i.ok),
  };
}

/**
 * The in-process bench scenario (bench-scenario.ts) with its batch policy replaced and breakers off;
 * `servers` (when given) replaces the switch's server count, so big batches can form.
 */
function wallScenario(baseFile: string, p: WallPointSpec): Scenario {
  const { policy, size, stage } = p;
  const raw = JSON.parse(JSON.stringify(benchScenario(baseFile, 'upi'))) as Record<string, unknown> & {
    topology: { switch: Record<string, unknown> & { stage: Record<string, unknown> } };
    strategies: Record<string, unknown> & { batch: Record<string, unknown> };
  };
  raw.strategies = { ...raw.strategies, breaker: 'off', batch: { ...raw.strategies.batch, policy, size } };
  if (stage)
    raw.topology.switch = { ...raw.topology.switch, stage: { ...raw.topology.switch.stage, ...stage } };
  return parseScenario(JSON.stringify(raw), 'json', `${baseFile} (bench, batch ${policy}/${size})`);
}

interface WallPointSpec {
  readonly label: string;
  readonly policy: BatchPolicy;
  readonly size: number;
  /** Replaces part of the switch stage model. */
  readonly stage?: { readonly servers: number; readonly fixedMs: number; readonly perTxnMs: number };
}

/**
 * The wall-clock points. With the bench scenario's 120 switch servers a server is nearly always free,
 * so adaptive batches stay near 1. The third point has one server whose batch costs a flat 20 ms (no
 * per-payment cost), so big batches form while the model still lets CPU be the limit.
 */
const WALL_POINTS: readonly WallPointSpec[] = [
  { label: 'fixed 1', policy: 'fixed', size: 1 },
  { label: 'adaptive 500', policy: 'adaptive', size: 500 },
  {
    label: 'adaptive 500, 1 server 20 ms flat',
    policy: 'adaptive',
    size: 500,
    stage: { servers: 1, fixedMs: 20, perTxnMs: 0 },
  },
];

export interface BatchSweepOptions {
  readonly baseScenario: string;
  readonly warmupSec: number;
  readonly concurrency: number;
  readonly progress: (phase: string) => (msg: string) => void;
}

export async function runBatchSweep(o: BatchSweepOptions): Promise<BatchSweep> {
  const points: SweepResult[] = [];
  for (const load of ['saturated', 'moderate'] as const) {
    for (const p of SWEEP_POINTS) {
      const r = await runSweepPoint(o.baseScenario, p, load);
      o.progress(`batch sweep ${load}`)(
        `${p.label}: offered ${r.offeredTps}/s → ${r.completedTps}/s ok (model ${r.predicted.atSize.tps}/s), p50 ${r.successLatencyMs.p50} ms, p99 ${r.successLatencyMs.p99} ms, mean batch ${r.meanBatch}`,
      );
      points.push(r);
    }
  }

  const wallClock: WallPoint[] = [];
  for (const spec of WALL_POINTS) {
    const { label, policy, size } = spec;
    const log = o.progress(`batch wall-clock ${label}`);
    const run = await runInproc({
      scenario: wallScenario(o.baseScenario, spec),
      concurrency: o.concurrency,
      warmupSec: o.warmupSec,
      measureSec: WALL_MEASURE_SEC,
      keyPrefix: `batch-wall-${WALL_POINTS.indexOf(spec)}`,
      progress: log,
    });
    const perCpuSec = run.paymentsPerCpuSec;
    const okPerCpuSec = perCpuSec * run.successShare;
    const w: WallPoint = {
      label,
      policy,
      size,
      stage: spec.stage ?? scenarioStage(o.baseScenario),
      paymentsPerSec: run.paymentsPerSec,
      p50Ms: run.latencyMs.p50,
      p99Ms: run.latencyMs.p99,
      eventLoopUtilization: run.eventLoopUtilization,
      cpuSecPer1000: perCpuSec > 0 ? round4(1000 / perCpuSec) : 0,
      cpuSecPer1000Success: okPerCpuSec > 0 ? round4(1000 / okPerCpuSec) : 0,
      successShare: run.successShare,
      meanBatch: run.meanBatch,
      invariantsOk: run.invariantsOk,
      run,
    };
    log(`${w.paymentsPerSec} payments/s, ${w.cpuSecPer1000} CPU-s per 1,000 payments`);
    wallClock.push(w);
  }

  return {
    notes: [
      `Model numbers, not CPU measurements: every sweep point is one run on the virtual clock (deterministic, so no repetitions), the switch a single server costing ${SEED_MODEL.fixedMs} ms + ${SEED_MODEL.perTxnMs} ms × n per batch of n (the seed model), banks p50 ${BENCH_BANK_LATENCY_MS.p50} ms / p99 ${BENCH_BANK_LATENCY_MS.p99} ms with capacity out of the way, no faults, breaker off, FIFO, customer payments only.`,
      `Saturated points offer ${SATURATING_TPS}/s (above every point's predicted capacity); moderate points offer ${MODERATE_SHARE * 100} % of the point's predicted capacity at its configured size. Figures cover the steady window, the first and last ${TRIM_SEC} s of ${SWEEP_DURATION_SEC} s left out; latency is of successful payments only; dropped shares are of the answers in the window.`,
      'predicted.atSize is the seed formula at the configured size (b·1000/(20+2b) txn/s, (20+2b)/b ms per txn); predicted.atMeanBatch the same at the batch size the run actually formed.',
      `wallClock: the in-process closed loop (inproc.ts, ${o.concurrency} payers, wall clock, the bench scenario at scale 1) with batch fixed/1 vs adaptive/500, plus adaptive/500 on one switch server costing a flat 20 ms per batch so that big batches really form while CPU stays the limit; 1 run of ${WALL_MEASURE_SEC} s each: what batching costs our code in CPU. The modelled batch service time is a timer, not CPU, so a point held back by the model shows idle CPU (low ELU), not a slower code path.`,
      "reference rows are Mojaloop's published position-handler figures (theirs, on their hardware), for the shape only.",
    ],
    config: {
      baseScenario: o.baseScenario,
      model: { servers: 1, ...SEED_MODEL },
      saturatingTps: SATURATING_TPS,
      moderateShare: MODERATE_SHARE,
      durationSec: SWEEP_DURATION_SEC,
      trimSec: TRIM_SEC,
      wallMeasureSec: WALL_MEASURE_SEC,
    },
    points,
    wallClock,
    reference: MOJALOOP_REFERENCE,
    invariantsOk: points.every((p) => p.invariantsOk) && wallClock.every((w) => w.invariantsOk),
  };
}

function scenarioStage(baseFile: string): WallPoint['stage'] {
  const { servers, fixedMs, perTxnMs } = benchScenario(baseFile, 'upi').topology.switch.stage;
  return { servers, fixedMs, perTxnMs };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

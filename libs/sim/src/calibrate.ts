import { Random } from '../../domain/src';
import type { RunResult, Scenario } from '../../scenarios/src';
import { sigmaOf, Z99, type LogNormalSpec } from './histogram-fit';
import type { SimModel } from './sim-model';
import { simulate } from './simulate';

/** What calibration and validation compare between a live run and a simulation. */
export interface Figures {
  /** Completed payments per second. */
  readonly throughputTps: number;
  /** % of answered payments without a technical decline (the planner's `success`). */
  readonly successPct: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export function figuresOf(r: RunResult): Figures {
  const done = r.completed;
  return {
    throughputTps: r.throughputTps,
    successPct: done > 0 ? round((100 * (done - r.outcomes.technicalDeclines)) / done) : 0,
    p50Ms: round(r.latencyMs.overall.p50),
    p99Ms: round(r.latencyMs.overall.p99),
  };
}

/** Relative differences, predicted against measured (0.1 = 10 %); success as a difference in points / 100. */
export function figureErrors(predicted: Figures, measured: Figures): Record<keyof Figures, number> {
  const rel = (p: number, m: number) => round(Math.abs(p - m) / Math.max(Math.abs(m), 1e-9), 4);
  return {
    throughputTps: rel(predicted.throughputTps, measured.throughputTps),
    successPct: round(Math.abs(predicted.successPct - measured.successPct) / 100, 4),
    p50Ms: rel(predicted.p50Ms, measured.p50Ms),
    p99Ms: rel(predicted.p99Ms, measured.p99Ms),
  };
}

/** The scenario at one constant rate (payments/s after scale) for `durationSec`. */
export function atConstantRate(s: Scenario, ratePerSec: number, durationSec: number): Scenario {
  const c = structuredClone(s) as { -readonly [K in keyof Scenario]: Scenario[K] };
  const tps = ratePerSec / s.scale;
  c.traffic = {
    ...c.traffic,
    tpsCurve: [
      { t: 0, tps },
      { t: durationSec, tps },
    ],
  };
  c.durationSec = durationSec;
  c.faults = [];
  if (s.source !== undefined) Object.defineProperty(c, 'source', { value: s.source, enumerable: false });
  return c;
}

export interface CalibrationPoint {
  readonly ratePerSec: number;
  /** The scenario exactly as the live run used it (atConstantRate). */
  readonly scenario: Scenario;
  readonly measured: RunResult;
}

export interface CalibrationFit {
  readonly model: SimModel;
  /** Mean over the points of the summed relative errors of p50, p99, throughput and success. */
  readonly error: number;
  readonly points: readonly {
    readonly ratePerSec: number;
    readonly measured: Figures;
    readonly predicted: Figures;
    readonly errors: Record<keyof Figures, number>;
  }[];
}

/** Candidate values per fitted parameter, searched one at a time (coordinate descent). */
export const CALIBRATION_GRID = {
  hopMedianMs: [0.5, 1, 2, 4, 8, 16, 32, 48, 64, 96],
  hopTail: [1.5, 2, 3, 4, 6, 8],
  fsyncMs: [0, 1, 3, 10, 30],
  /** Added to the scenario's fixed cost per batch: the live switch's own CPU on top of the modelled stage. */
  switchExtraFixedMs: [0, 1, 5, 10, 20, 40],
  /** With measured links: factors on the PSP link's median and on its tail's exponent. */
  pspMedianFactor: [0.6, 0.8, 0.9, 1.1, 1.25, 1.5],
  pspTailFactor: [0.6, 0.8, 1.2, 1.5],
} as const;

/**
 * Fits the model to live measurements: for each parameter in turn, simulates every point at each
 * candidate value and keeps the one with the least error, the others held. With `measured` (the
 * stage histograms' links, Raft commit and load curve) only the PSP link's level and tail and the
 * switch's extra cost per batch are searched; without, one transport hop for every message (median,
 * tail), the Raft fsync and that extra cost. Bank latency and the switch stage are modelled
 * identically in live and simulated runs, so they come from the scenario.
 */
export async function fitModel(
  points: readonly CalibrationPoint[],
  onStep?: (param: string, value: unknown, error: number) => void,
  measured?: MeasuredParts,
): Promise<CalibrationFit> {
  if (points.length === 0) throw new Error('calibration needs at least one measured rate');
  let hop = { medianMs: 1, p99Ms: 4 };
  let fsyncMs = 1;
  let switchExtra = 0;
  let pspMedian = 1;
  let pspTail = 1;
  const baseFixedMs = points[0]!.scenario.topology.switch.stage.fixedMs;
  const scaled = (d: LogNormalSpec, m: number, t: number): LogNormalSpec => {
    const medianMs = round(d.medianMs * m);
    return { medianMs, p99Ms: round(medianMs * Math.pow(d.p99Ms / d.medianMs, t)) };
  };
  const modelOf = (): SimModel => ({
    version: 1,
    hop,
    ...(measured
      ? {
          links: { ...measured.links, psp: scaled(measured.links.psp, pspMedian, pspTail) },
          raft: measured.raftCommit ? { commit: measured.raftCommit } : { fsyncMs },
          ...(measured.load ? { load: measured.load } : {}),
        }
      : { raft: { fsyncMs } }),
    ...(switchExtra > 0 ? { switch: { fixedMs: baseFixedMs + switchExtra } } : {}),
  });
  const evaluate = async (m: SimModel): Promise<CalibrationFit> => {
    const out: CalibrationFit['points'][number][] = [];
    let err = 0;
    for (const p of points) {
      const predicted = figuresOf(await simulate(p.scenario, { model: m }));
      const measuredFigures = figuresOf(p.measured);
      const errors = figureErrors(predicted, measuredFigures);
      err += errors.p50Ms + errors.p99Ms + errors.throughputTps + errors.successPct;
      out.push({ ratePerSec: p.ratePerSec, measured: measuredFigures, predicted, errors });
    }
    return { model: m, error: round(err / points.length, 4), points: out };
  };
  let best = await evaluate(modelOf());
  const tryEach = async <T>(param: string, values: readonly T[], set: (v: T) => void, get: () => T) => {
    for (const v of values) {
      const keep = get();
      set(v);
      const fit = await evaluate(modelOf());
      onStep?.(param, v, fit.error);
      if (fit.error < best.error) best = fit;
      else set(keep);
    }
  };
  if (measured) {
    // The links come from the stage histograms; what is searched is only how the parts compose
    // (the PSP link absorbs what the independent-sum fit got wrong) and the switch's own CPU.
    await tryEach(
      'links.psp.medianFactor',
      CALIBRATION_GRID.pspMedianFactor,
      (v) => (pspMedian = v),
      () => pspMedian,
    );
    await tryEach(
      'links.psp.tailFactor',
      CALIBRATION_GRID.pspTailFactor,
      (v) => (pspTail = v),
      () => pspTail,
    );
  } else {
    const tail = () => hop.p99Ms / hop.medianMs;
    await tryEach(
      'hop.medianMs',
      CALIBRATION_GRID.hopMedianMs,
      (v) => (hop = { medianMs: v, p99Ms: v * tail() }),
      () => hop.medianMs,
    );
    await tryEach(
      'hop.tail',
      CALIBRATION_GRID.hopTail,
      (k) => (hop = { medianMs: hop.medianMs, p99Ms: hop.medianMs * k }),
      tail,
    );
    await tryEach(
      'raft.fsyncMs',
      CALIBRATION_GRID.fsyncMs,
      (v) => (fsyncMs = v),
      () => fsyncMs,
    );
  }
  await tryEach(
    'switch.extraFixedMs',
    CALIBRATION_GRID.switchExtraFixedMs,
    (v) => (switchExtra = v),
    () => switchExtra,
  );
  return best;
}

/** What calibration measured per stage, from the services' histograms (linksFromStages). */
export interface MeasuredParts {
  readonly links: NonNullable<SimModel['links']> & { readonly psp: LogNormalSpec };
  readonly raftCommit?: LogNormalSpec;
  readonly load?: SimModel['load'];
}

/**
 * The links' slow-down with load: at each rate, the geometric mean of the PSP link's, the bank
 * link's and the Raft commit's median against the lowest rate's (factor 1 there), never below a
 * lower rate's.
 */
export function loadCurve(byRate: readonly { ratePerSec: number; parts: MeasuredParts }[]): SimModel['load'] {
  const sorted = [...byRate].sort((a, b) => a.ratePerSec - b.ratePerSec);
  const base = sorted[0];
  if (!base) return undefined;
  const medians = (p: MeasuredParts) => [
    p.links.psp.medianMs,
    p.links.bank?.medianMs,
    p.raftCommit?.medianMs,
  ];
  const b = medians(base.parts);
  // More load never makes the host faster: a rate measured faster than a lower one (host noise)
  // keeps the lower one's factor.
  let floor = 0;
  return sorted.map(({ ratePerSec, parts }) => {
    const ratios = medians(parts)
      .map((x, i) => (x !== undefined && b[i] !== undefined && b[i]! > 0 ? x / b[i]! : undefined))
      .filter((r): r is number => r !== undefined && r > 0);
    const factor = ratios.length ? Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length) : 1;
    floor = Math.max(floor, factor);
    return { ratePerSec, factor: round(floor, 3) };
  });
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Per-stage log-normals fitted from the live services' stage histograms during one rate. */
export type StageFits = Partial<
  Record<'queue_wait' | 'raft_commit' | 'bank_prepare' | 'bank_commit' | 'end_to_end', LogNormalSpec>
>;

/**
 * The log-normal L such that `hops` independent draws of L plus one draw of `rest()` have the
 * target median and p99: a seeded Monte-Carlo search (σ on a grid, the median by bisection), so
 * the same inputs always give the same answer. Used to take what a stage measured apart into the
 * transport the simulator must add and what it already models (bank latency, its own stages).
 */
export function fitHopInSum(
  target: LogNormalSpec,
  hops: number,
  rest: (rng: Random) => number,
  samples = 3000,
): LogNormalSpec {
  const rng = new Random(1).fork('fit-hop');
  const restDraws = Array.from({ length: samples }, () => rest(rng));
  const normals = Array.from({ length: samples * hops }, () => rng.normal());
  const quantiles = (median: number, sigma: number): [number, number] => {
    const xs = restDraws.map((r, i) => {
      let x = r;
      for (let h = 0; h < hops; h++) x += median * Math.exp(sigma * normals[i * hops + h]!);
      return x;
    });
    xs.sort((a, b) => a - b);
    return [xs[Math.floor(0.5 * samples)]!, xs[Math.floor(0.99 * samples)]!];
  };
  let best: { spec: LogNormalSpec; err: number } = { spec: { medianMs: 0.01, p99Ms: 0.01 }, err: Infinity };
  for (let k = 0; k <= 30; k++) {
    const sigma = k * 0.05;
    let lo = 0;
    let hi = Math.max(target.medianMs, 1);
    for (let i = 0; i < 30; i++) {
      const mid = (lo + hi) / 2;
      if (quantiles(mid, sigma)[0] < target.medianMs) lo = mid;
      else hi = mid;
    }
    const median = Math.max((lo + hi) / 2, 0.01);
    const [p50, p99] = quantiles(median, sigma);
    const err =
      Math.abs(p50 - target.medianMs) / target.medianMs + Math.abs(p99 - target.p99Ms) / target.p99Ms;
    if (err < best.err)
      best = {
        spec: { medianMs: round(median), p99Ms: round(Math.max(median * Math.exp(Z99 * sigma), median)) },
        err,
      };
  }
  return best.spec;
}

/**
 * The model's measured parts from one rate's stage fits (docs/simulator.md, "Calibration"):
 * `raft.commit` is the raft_commit stage itself; the bank link is what bank_prepare holds beyond
 * the banks' own latency (two transports per leg); the PSP link is what the payer's end-to-end
 * latency holds beyond the switch's stages (two transports: request and answer).
 */
export function linksFromStages(
  stages: StageFits,
  scenario: Scenario,
  endToEnd: LogNormalSpec,
): MeasuredParts {
  const banks = scenario.topology.banks.map((b) => ({
    median: b.latencyMs.p50,
    sigma: sigmaOf({ medianMs: b.latencyMs.p50, p99Ms: b.latencyMs.p99 }),
  }));
  const bankLatency = (rng: Random) => {
    const b = rng.pick(banks);
    return rng.logNormal(b.median, b.sigma);
  };
  const bank = stages.bank_prepare ? fitHopInSum(stages.bank_prepare, 2, bankLatency) : undefined;
  const draw = (s: LogNormalSpec | undefined) => (rng: Random) =>
    s ? rng.logNormal(s.medianMs, sigmaOf(s)) : 0;
  const inSwitch = [stages.queue_wait, stages.raft_commit, stages.bank_prepare, stages.bank_commit].map(draw);
  const batchMs = scenario.topology.switch.stage.fixedMs;
  const psp = fitHopInSum(endToEnd, 2, (rng) => batchMs + inSwitch.reduce((a, f) => a + f(rng), 0));
  return {
    links: { psp, ...(bank ? { bank } : {}) },
    ...(stages.raft_commit ? { raftCommit: stages.raft_commit } : {}),
  };
}

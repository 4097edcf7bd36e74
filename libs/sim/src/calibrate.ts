import type { RunResult, Scenario } from '../../scenarios/src';
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
} as const;

/**
 * Fits the model's transport hop (median, tail), the Raft commit's fsync and the switch's fixed
 * cost per batch to live measurements: for each parameter in turn, simulates every point at each
 * candidate value and keeps the one with the least error, the others held. Bank latency and the
 * switch stage are modelled identically in live and simulated runs, so they come from the scenario.
 */
export async function fitModel(
  points: readonly CalibrationPoint[],
  onStep?: (param: string, value: unknown, error: number) => void,
): Promise<CalibrationFit> {
  if (points.length === 0) throw new Error('calibration needs at least one measured rate');
  let hop = { medianMs: 1, p99Ms: 4 };
  let fsyncMs = 1;
  let switchExtra = 0;
  const baseFixedMs = points[0]!.scenario.topology.switch.stage.fixedMs;
  const modelOf = (): SimModel => ({
    version: 1,
    hop,
    raft: { fsyncMs },
    ...(switchExtra > 0 ? { switch: { fixedMs: baseFixedMs + switchExtra } } : {}),
  });
  const evaluate = async (m: SimModel): Promise<CalibrationFit> => {
    const out: CalibrationFit['points'][number][] = [];
    let err = 0;
    for (const p of points) {
      const predicted = figuresOf(await simulate(p.scenario, { model: m }));
      const measured = figuresOf(p.measured);
      const errors = figureErrors(predicted, measured);
      err += errors.p50Ms + errors.p99Ms + errors.throughputTps + errors.successPct;
      out.push({ ratePerSec: p.ratePerSec, measured, predicted, errors });
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
  await tryEach(
    'switch.extraFixedMs',
    CALIBRATION_GRID.switchExtraFixedMs,
    (v) => (switchExtra = v),
    () => switchExtra,
  );
  return best;
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

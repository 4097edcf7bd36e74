import type { PlanSpec, Scenario, SchedulingPolicy } from '../../scenarios/src/types';

/** One knob the planner may turn: candidate values in search order and what each costs. */
export interface PlanVariable {
  readonly knob: string;
  readonly values: readonly (number | string)[];
  readonly costs: readonly number[];
  /**
   * Capacity knobs: values ascending, and more is assumed never worse (so bisection applies).
   * Others (batch size, strategy) are tried value by value.
   */
  readonly monotone: boolean;
}

export type PlanConfig = Readonly<Record<string, number | string>>;

export interface Trial<D> {
  readonly config: PlanConfig;
  readonly cost: number;
  readonly meets: boolean;
  readonly detail: D;
}

export interface PlanOutcome<D> {
  /** The cheapest configuration found that meets the SLO; null when even the largest does not. */
  readonly best: Trial<D> | null;
  /** Every configuration evaluated, in order. */
  readonly trials: readonly Trial<D>[];
}

export type Evaluate<D> = (config: PlanConfig) => Promise<{ readonly meets: boolean; readonly detail: D }>;

const MONOTONE = /^(switch\.capacity|banks\.capacityFactor|(replica|bank)\.[A-Z][A-Z0-9_]*\.capacityTps)$/;

/** The scenario's `plan` section as variables (values of capacity knobs sorted ascending). */
export function planVariables(spec: PlanSpec): PlanVariable[] {
  return spec.variables.map((v) => {
    const monotone = MONOTONE.test(v.knob);
    const pairs = v.values.map((x, i) => ({
      x,
      cost: v.costs ? v.costs[i]! : typeof x === 'number' ? (v.costPerUnit ?? 0) * x : 0,
    }));
    if (monotone) pairs.sort((a, b) => (a.x as number) - (b.x as number));
    return { knob: v.knob, values: pairs.map((p) => p.x), costs: pairs.map((p) => p.cost), monotone };
  });
}

export function configCost(vars: readonly PlanVariable[], c: PlanConfig): number {
  let cost = 0;
  for (const v of vars) cost += v.costs[v.values.indexOf(c[v.knob]!)]!;
  return Math.round(cost * 1e6) / 1e6;
}

/**
 * Searches for the cheapest configuration that meets the SLO, without trying every combination:
 * start with every capacity knob at its largest value, then coordinate descent — bisection down
 * each capacity knob (meeting the SLO is assumed monotone in capacity), and for each other knob,
 * each alternative value followed by another descent — until a round changes nothing.
 */
export async function searchPlan<D>(
  vars: readonly PlanVariable[],
  evaluate: Evaluate<D>,
  opts: {
    readonly maxRounds?: number;
    readonly onTrial?: (t: Trial<D>, n: number) => void;
    /**
     * Told which configurations the search may ask for next (most likely first), so idle workers
     * can simulate them already. A hint: the trials asked for, and their order, do not change.
     */
    readonly prefetch?: (configs: readonly PlanConfig[]) => void;
  } = {},
): Promise<PlanOutcome<D>> {
  const trials: Trial<D>[] = [];
  const memo = new Map<string, Trial<D>>();
  const key = (c: PlanConfig) => vars.map((v) => `${v.knob}=${c[v.knob]}`).join(';');
  const run = async (c: PlanConfig): Promise<Trial<D>> => {
    const k = key(c);
    const known = memo.get(k);
    if (known) return known;
    const r = await evaluate(c);
    const t: Trial<D> = { config: c, cost: configCost(vars, c), meets: r.meets, detail: r.detail };
    memo.set(k, t);
    trials.push(t);
    opts.onTrial?.(t, trials.length);
    return t;
  };
  const set = (c: PlanConfig, knob: string, x: number | string): PlanConfig => ({ ...c, [knob]: x });

  // Largest capacity, cheapest value of every other knob.
  let current: PlanConfig = Object.fromEntries(
    vars.map((v) => [v.knob, v.monotone ? v.values[v.values.length - 1]! : v.values[cheapest(v)]!]),
  );
  const firstMonotone = vars.find((v) => v.monotone);
  const pending = run(current);
  // The largest capacity usually meets: then the first bisection step comes next.
  if (firstMonotone) {
    const hi = firstMonotone.values.indexOf(current[firstMonotone.knob]!);
    if (hi > 0) opts.prefetch?.([set(current, firstMonotone.knob, firstMonotone.values[hi >> 1]!)]);
  }
  let t = await pending;
  if (!t.meets) {
    // Another batch size or strategy may be what it takes.
    for (const v of vars.filter((x) => !x.monotone)) {
      for (const x of v.values) {
        const c = set(current, v.knob, x);
        const r = await run(c);
        if (r.meets) {
          current = c;
          t = r;
          break;
        }
      }
      if (t.meets) break;
    }
  }
  if (!t.meets) return { best: null, trials };

  const descend = async (from: PlanConfig): Promise<Trial<D>> => {
    let c = from;
    for (const v of vars.filter((x) => x.monotone)) {
      let lo = 0;
      let hi = v.values.indexOf(c[v.knob]!);
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const step = run(set(c, v.knob, v.values[mid]!));
        // Either way the bisection goes, the next midpoint: lower if this one meets, else upper.
        const next: PlanConfig[] = [];
        if (lo < mid) next.push(set(c, v.knob, v.values[(lo + mid) >> 1]!));
        if (mid + 1 < hi) next.push(set(c, v.knob, v.values[(mid + 1 + hi) >> 1]!));
        if (next.length > 0) opts.prefetch?.(next);
        if ((await step).meets) hi = mid;
        else lo = mid + 1;
      }
      c = set(c, v.knob, v.values[hi]!);
    }
    return run(c);
  };

  let best = await descend(current);
  for (let round = 0; round < (opts.maxRounds ?? 4); round++) {
    let improved = false;
    // Every alternative's start (capacity back at its largest) is asked for in this round unless
    // one improves on the best first.
    const topOf = (b: Trial<D>): PlanConfig =>
      Object.fromEntries(
        vars.map((w) => [w.knob, w.monotone ? w.values[w.values.length - 1]! : b.config[w.knob]!]),
      );
    opts.prefetch?.(
      vars
        .filter((x) => !x.monotone)
        .flatMap((v) =>
          v.values.filter((x) => x !== best.config[v.knob]).map((x) => set(topOf(best), v.knob, x)),
        ),
    );
    for (const v of vars.filter((x) => !x.monotone)) {
      for (const x of v.values) {
        if (x === best.config[v.knob]) continue;
        // Try the alternative with the capacity knobs back at their largest, then descend.
        const top = topOf(best);
        const start = await run(set(top, v.knob, x));
        if (!start.meets) continue;
        const cand = await descend(start.config);
        if (cand.meets && cand.cost < best.cost) {
          best = cand;
          improved = true;
        }
      }
    }
    // Another pass over the capacity knobs from the new point (knobs can trade against each other).
    const again = await descend(best.config);
    if (again.meets && again.cost < best.cost) {
      best = again;
      improved = true;
    }
    if (!improved) break;
  }
  return { best, trials };
}

function cheapest(v: PlanVariable): number {
  let i = 0;
  v.costs.forEach((c, j) => {
    if (c < v.costs[i]!) i = j;
  });
  return i;
}

/** The scenario with a configuration's knobs set (a copy; `source` kept). */
export function applyKnobs(scenario: Scenario, config: PlanConfig): Scenario {
  const s = structuredClone(scenario) as unknown as MutableScenario;
  let factor = 1;
  let bankFactor = 1;
  for (const [knob, x] of Object.entries(config)) {
    const m = /^(replica|bank)\.([A-Z][A-Z0-9_]*)\.capacityTps$/.exec(knob);
    if (m) {
      const list = m[1] === 'replica' ? (s.network?.switchReplicas ?? []) : s.topology.banks;
      const item = list.find((r) => r.id === m[2]);
      if (!item) throw new Error(`plan: no ${m[1]} '${m[2]}'`);
      item.capacityTps = num(knob, x);
    } else if (knob === 'switch.capacity') factor = num(knob, x);
    else if (knob === 'banks.capacityFactor') bankFactor = num(knob, x);
    else if (knob === 'batch.size') s.strategies.batch.size = num(knob, x);
    else if (knob === 'strategy') s.strategies.scheduling = x as SchedulingPolicy;
    else throw new Error(`plan: unknown knob '${knob}'`);
  }
  if (factor !== 1) {
    const replicas = s.network?.switchReplicas ?? [];
    if (replicas.length) for (const r of replicas) r.capacityTps *= factor;
    else s.topology.switch.stage.servers *= factor;
  }
  if (bankFactor !== 1) for (const b of s.topology.banks) b.capacityTps *= bankFactor;
  if (scenario.source !== undefined)
    Object.defineProperty(s, 'source', { value: scenario.source, enumerable: false });
  return s as unknown as Scenario;
}

function num(knob: string, x: number | string): number {
  if (typeof x !== 'number') throw new Error(`plan: '${knob}' takes a number, got ${JSON.stringify(x)}`);
  return x;
}

interface MutableScenario {
  topology: { banks: { id: string; capacityTps: number }[]; switch: { stage: { servers: number } } };
  network?: { switchReplicas?: { id: string; capacityTps: number }[] };
  strategies: { batch: { size: number }; scheduling: SchedulingPolicy };
}

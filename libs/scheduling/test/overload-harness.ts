import { CATEGORIES, CLASS_INFO, Random, type Category, type Initiation } from '../../domain/src';
import { VirtualTimers } from '../../sim/src/virtual-timers';
import { createBatcher, type BatcherConfig } from '../src/batcher';
import { createScheduler, type SchedulerOptions } from '../src/scheduler';
import type { SwitchStageModel } from '../src/stage-model';
import { SwitchStage } from '../src/switch-stage';
import type { SystemTrafficGate } from '../src/system-gate';
import type { StrategyName } from '../src/types';

export interface Job {
  readonly id: number;
  readonly category: Category;
  readonly initiation: Initiation;
  readonly offeredAt: number;
}

export interface ClassOutcome {
  offered: number;
  /** Served by the class deadline (measured from the offer to the end of service). */
  onTime: number;
  late: number;
  expired: number;
  shed: number;
}

export interface RunSpec {
  readonly strategy: StrategyName;
  readonly seed: number;
  readonly tps: number;
  readonly durationMs: number;
  readonly mix: Readonly<Record<Category, number>>;
  readonly model: SwitchStageModel;
  readonly batch: BatcherConfig;
  readonly scheduler?: SchedulerOptions;
  readonly systemShare?: number;
  readonly gate?: SystemTrafficGate<never>;
  /** Hide the stage's drain model from the scheduler (plain EDF, to show why it is there). */
  readonly withoutDrainModel?: boolean;
}

export interface RunResult {
  readonly byClass: Record<Category, ClassOutcome>;
  readonly batchSizes: number[];
  readonly servedOrder: Job[];
  readonly stage: SwitchStage<Job>;
}

/** Poisson arrivals with a category mix, offered to a SwitchStage on virtual time; all drains before returning. */
export async function runStage(spec: RunSpec): Promise<RunResult> {
  const timers = new VirtualTimers(0);
  const rnd = new Random(spec.seed);
  const byClass = {} as Record<Category, ClassOutcome>;
  for (const c of CATEGORIES) byClass[c] = { offered: 0, onTime: 0, late: 0, expired: 0, shed: 0 };
  const batchSizes: number[] = [];
  const servedOrder: Job[] = [];
  const weights = CATEGORIES.map((c) => spec.mix[c]);
  const scheduler = createScheduler<Job>(spec.strategy, spec.scheduler);
  if (spec.withoutDrainModel) scheduler.setDrainModel = () => undefined;
  const stage = new SwitchStage<Job>({
    timers,
    scheduler,
    batcher: createBatcher(spec.batch),
    model: spec.model,
    gate: spec.gate as SystemTrafficGate<never> | undefined,
    onServed: (batch, info) => {
      batchSizes.push(batch.length);
      for (const j of batch) {
        servedOrder.push(j);
        const ok = info.servedAt - j.offeredAt <= CLASS_INFO[j.category].deadlineMs;
        byClass[j.category][ok ? 'onTime' : 'late']++;
      }
    },
    onExpired: (items) => items.forEach((j) => byClass[j.category].expired++),
    onShed: (items) => items.forEach((j) => byClass[j.category].shed++),
  });
  let id = 0;
  const meanGap = 1000 / spec.tps;
  const arrive = () => {
    const now = timers.now();
    if (now >= spec.durationMs) return;
    const category = CATEGORIES[rnd.weighted(weights)]!;
    const initiation: Initiation = rnd.chance(spec.systemShare ?? 0) ? 'SYSTEM' : 'CUSTOMER';
    const job: Job = { id: id++, category, initiation, offeredAt: now };
    byClass[category].offered++;
    stage.offer(job, { category, initiation });
    timers.setTimer(rnd.exponential(meanGap), arrive);
  };
  timers.setTimer(rnd.exponential(meanGap), arrive);
  await timers.runUntil();
  return { byClass, batchSizes, servedOrder, stage };
}

export function onTimeRate(o: ClassOutcome): number {
  return o.offered === 0 ? 1 : o.onTime / o.offered;
}

export function lostRate(o: ClassOutcome): number {
  return o.offered === 0 ? 0 : (o.expired + o.shed + o.late) / o.offered;
}

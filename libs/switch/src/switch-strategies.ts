import type { Timers } from '../../domain/src';
import {
  SystemTrafficGate,
  SwitchStage,
  createBatcher,
  createScheduler,
  type BatcherConfig,
  type GatedItem,
  type SchedulerOptions,
  type ServedInfo,
  type StrategyName,
  type SwitchStageModel,
} from '../../scheduling/src';

/** How the switch queues, batches and paces work: the strategies users compare. */
export interface SwitchStrategies {
  readonly scheduling: StrategyName;
  readonly scheduler?: Omit<SchedulerOptions, 'maxQueue'>;
  readonly batch: BatcherConfig;
  readonly stage: SwitchStageModel & { readonly maxQueue: number };
  /** NPCI's hold on system-initiated traffic in peak windows, and its rate limit. */
  readonly systemGate: {
    readonly startTimeOfDay: string;
    readonly ratePerSec: number;
    /**
     * When the run clock read `startTimeOfDay`: the run's start, shared by every replica and by a
     * stage rebuilt on a leadership change. Default: when the switch service was created.
     */
    readonly clockOrigin?: number;
  };
}

/** Where the run's time of day starts: the run clock read `startTimeOfDay` at `clockOrigin`. */
export interface TimeOfDayOrigin {
  readonly startTimeOfDay: string;
  readonly clockOrigin: number;
}

export interface StageCallbacks<T> {
  readonly onServed: (batch: T[], info: ServedInfo) => void;
  readonly onExpired: (items: T[]) => void;
  readonly onShed: (items: T[]) => void;
}

/**
 * Builds the switch's queueing stage from its strategies; the system gate reads the time of day
 * from `day` (the scenario's start at `systemGate.clockOrigin`, the switch's creation, or what
 * a live run announced).
 */
export function buildStage<T>(
  s: SwitchStrategies,
  timers: Timers,
  cb: StageCallbacks<T>,
  day: TimeOfDayOrigin,
): SwitchStage<T> {
  return new SwitchStage<T>({
    timers,
    scheduler: createScheduler<T>(s.scheduling, { ...s.scheduler, maxQueue: s.stage.maxQueue }),
    batcher: createBatcher(s.batch),
    model: { fixedMs: s.stage.fixedMs, perTxnMs: s.stage.perTxnMs, servers: s.stage.servers },
    gate: new SystemTrafficGate<GatedItem<T>>({
      startTimeOfDay: day.startTimeOfDay,
      clockOrigin: day.clockOrigin,
      ratePerSec: s.systemGate.ratePerSec,
    }),
    ...cb,
  });
}

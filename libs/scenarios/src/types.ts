import type { Category, Paise } from '../../domain/src';

/**
 * A scenario as loaded: the file's fields with every default filled in. Rates and capacities are
 * the file's real-world numbers; `scale` is applied by `rateAt` and `buildTopology`, not here.
 * Field meanings, units and defaults: docs/scenario.md.
 */
export interface Scenario {
  readonly version: 1;
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  readonly scale: number;
  readonly durationSec: number;
  readonly topology: TopologySpec;
  readonly traffic: TrafficSpec;
  readonly faults: readonly FaultSpec[];
  readonly strategies: Strategies;
  /** Where the scenario came from (a path, or whatever `parseScenario` was given); not part of the file. */
  readonly source?: string;
}

export interface TopologySpec {
  readonly psps: readonly PspSpec[];
  readonly banks: readonly BankSpec[];
  readonly switch: SwitchSettings;
}

export interface PspSpec {
  readonly id: string;
  readonly name?: string;
  readonly handles: readonly string[];
  /** Share of payer traffic, 0..1; the PSPs' shares sum to 1. */
  readonly share: number;
}

export interface BankSpec {
  readonly id: string;
  readonly name?: string;
  /** Real-world capacity; multiplied by `scale` in the topology. */
  readonly capacityTps: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly technicalFailureRate: number;
  /** Accounts opened at this bank (not scaled). */
  readonly accounts: number;
  readonly openingBalancePaise: { readonly min: Paise; readonly max: Paise };
}

export type Protocol = 'upi' | 'classic-2pc';

export interface SwitchSettings {
  readonly protocol: Protocol;
  readonly debitTimeoutMs: number;
  readonly creditTimeoutMs: number;
  readonly retryIntervalMs: number;
  readonly deemedRetryMs: number;
  readonly pspWaitMs: number;
  readonly txnLimitPaise: Paise;
  readonly settlementCycleSec: number;
  /** The switch as a queueing stage (upi-facts.md "Batching (seed)"): real-world servers, scaled by `scale`. */
  readonly stage: SwitchStageSpec;
}

export interface SwitchStageSpec {
  /** Batches served in parallel across the switch (real-world; multiplied by `scale`). */
  readonly servers: number;
  /** Fixed cost of one batch, ms. */
  readonly fixedMs: number;
  /** Cost per transaction in a batch, ms. */
  readonly perTxnMs: number;
  /** Most payments queued at the switch; beyond it the scheduler sheds. */
  readonly maxQueue: number;
}

export interface CurvePoint {
  /** Seconds since the start of the run. */
  readonly t: number;
  /** Offered payments per second (real-world; scaled by `scale`). */
  readonly tps: number;
}

export interface AmountDist {
  readonly medianPaise: Paise;
  readonly sigma: number;
}

export interface TrafficSpec {
  readonly tpsCurve: readonly CurvePoint[];
  readonly categoryMix: Partial<Readonly<Record<Category, number>>>;
  readonly amount: AmountDist & { readonly byCategory: Partial<Readonly<Record<Category, AmountDist>>> };
  readonly retryShare: number;
  readonly retryDelayMs: { readonly min: number; readonly max: number };
  readonly unknownPayeeShare: number;
  readonly systemInitiatedShare: number;
  /** Time of day at the start of the run ("HH:MM"): NPCI's peak windows for system-initiated traffic. */
  readonly startTimeOfDay: string;
  /** Rate limit for system-initiated payments and status checks at the switch (real-world; scaled). */
  readonly systemRatePerSec: number;
  /** Optional "banks re-poll old transactions" storm of status checks (rate real-world; scaled). */
  readonly statusCheckStorm?: {
    readonly atSec: number;
    readonly durationSec: number;
    readonly ratePerSec: number;
  };
}

export type FaultKind = 'bank-down' | 'bank-unreachable' | 'bank-slow';

export interface FaultSpec {
  readonly atSec: number;
  readonly durationSec: number;
  readonly kind: FaultKind;
  readonly bank: string;
  /** Only for 'bank-slow': latency added to every answer of the bank. */
  readonly extraLatencyMs?: number;
}

/** Scheduling strategies of the switch queue (libs/scheduling). */
export type SchedulingPolicy = 'fifo' | 'strict-priority' | 'weighted-fair' | 'earliest-deadline-first';
export type BatchPolicy = 'fixed' | 'linger' | 'adaptive';

export interface BatchSpec {
  readonly policy: BatchPolicy;
  /** fixed: the batch size; linger and adaptive: the largest batch. */
  readonly size: number;
  /** linger: how long the oldest payment may wait for a batch to fill. */
  readonly lingerMs: number;
  /** fixed: how long a partial batch waits before it goes anyway. */
  readonly partialAfterMs: number;
}

export interface Strategies {
  readonly scheduling: SchedulingPolicy;
  /** weighted-fair: weight per category. */
  readonly weights?: Partial<Readonly<Record<Category, number>>>;
  readonly batch: BatchSpec;
  /** Breaker strategy at the switch per bank (libs/resilience): a name or an object with settings. */
  readonly breaker: unknown;
}

export interface ScenarioOverrides {
  seed?: number;
  scale?: number;
  durationSec?: number;
  /** Command-line strategy choices (`--strategy`, `--batch`, `--batch-size`, `--breaker`); validated like the file. */
  scheduling?: string;
  batch?: { policy?: string; size?: number };
  breaker?: string;
}

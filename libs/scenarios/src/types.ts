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

/** Scheduling strategies the switch may use. Only 'fifo' exists yet; the scheduling work extends the enum. */
export type SchedulingPolicy = 'fifo';
export type BatchPolicy = 'fixed';

export interface Strategies {
  readonly scheduling: SchedulingPolicy;
  readonly batch: { readonly policy: BatchPolicy; readonly size: number };
}

export interface ScenarioOverrides {
  seed?: number;
  scale?: number;
  durationSec?: number;
}

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
  /** Pass/fail criteria of a load run (`upi-lab load`, k6); none by default. docs/scenario.md. */
  readonly thresholds?: ThresholdsSpec;
  /** Simulator only (docs/simulator.md): regions, latency between them, switch replicas and their timeline. */
  readonly network?: NetworkSpec;
  /** Capacity planner only (docs/simulator.md): the knobs `upi-lab plan` may turn, with candidate values and costs. */
  readonly plan?: PlanSpec;
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

export type BankFaultKind = 'bank-down' | 'bank-unreachable' | 'bank-slow';
/** Bank faults, and service faults a load driver injects through the services' admin API. */
/** 'switch-leader-kill': `kill -9` of the switch's Raft leader at `atSec`; restarted after `durationSec`. */
export type FaultKind = BankFaultKind | 'psp-throttle' | 'switch-leader-kill';

export interface FaultSpec {
  readonly atSec: number;
  readonly durationSec: number;
  readonly kind: FaultKind;
  /** Bank faults: the bank (required for them). */
  readonly bank?: string;
  /** Only for 'bank-slow': latency added to every answer of the bank. */
  readonly extraLatencyMs?: number;
  /** 'psp-throttle': the scenario PSP whose payers are throttled (default: every payer). */
  readonly psp?: string;
  /** 'psp-throttle': payments/s the PSP still admits (real-world; scaled by `scale`). */
  readonly ratePerSec?: number;
  /** 'psp-throttle': the HTTP status of a refused payment (429 or 503; default 429). */
  readonly status?: 429 | 503;
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

/** Threshold metrics per scope: success rate (0..1) and latency percentiles of answered payments (ms). */
export type ThresholdMetric = 'successRate' | 'p50Ms' | 'p95Ms' | 'p99Ms' | 'maxMs';

/** Conditions such as ">=0.99" or "<=2000", per metric. */
export type ThresholdSet = Partial<Readonly<Record<ThresholdMetric, string>>>;

export interface ThresholdsSpec {
  /** All payments; `droppedArrivals` compares the count of arrivals the driver could not send in time. */
  readonly overall?: ThresholdSet & { readonly droppedArrivals?: string };
  readonly classes?: Partial<Readonly<Record<Category, ThresholdSet>>>;
}

/** The simulator's network: where each participant sits and how long a message takes between regions. */
export interface NetworkSpec {
  /** Round-trip time between two regions in ms, keyed "A-B" (either order); overrides the built-in table. */
  readonly rttMs?: Readonly<Record<string, number>>;
  /** Round-trip time inside one region (ms). Default 1. */
  readonly intraRegionRttMs?: number;
  /** Round-trip time for a pair neither listed nor in the built-in table (ms). Default 50. */
  readonly defaultRttMs?: number;
  /** Region of whatever is not placed below. Default Mumbai. */
  readonly defaultRegion?: string;
  /** Region per PSP id and per bank id. */
  readonly psps?: Readonly<Record<string, string>>;
  readonly banks?: Readonly<Record<string, string>>;
  readonly clearing?: string;
  /** Switch replicas; the first `serving` one is the primary. Without: one switch in defaultRegion. */
  readonly switchReplicas?: readonly SwitchReplicaSpec[];
  readonly events?: readonly NetworkEventSpec[];
}

export type ReplicaState = 'serving' | 'standby' | 'offline';

export interface SwitchReplicaSpec {
  readonly id: string;
  readonly region: string;
  /** Payments/s the replica's switch stage serves at batch size 100 (real-world; scaled). */
  readonly capacityTps: number;
  /** serving: takes payments; standby: a Raft follower ready for failover; offline. Default serving. */
  readonly state?: ReplicaState;
}

export type NetworkEventSpec =
  | {
      readonly atSec: number;
      readonly kind: 'region-latency';
      readonly region: string;
      /** Added to every one-way hop into or out of the region (ms); 0 restores it. */
      readonly extraMs: number;
    }
  | {
      readonly atSec: number;
      readonly kind: 'failover';
      /** The replica that takes over; the current primary goes offline. */
      readonly to: string;
      /** Election and recovery: no replica serves for this long. */
      readonly outageSec: number;
    }
  | { readonly atSec: number; readonly kind: 'replica-online'; readonly replica: string }
  | {
      readonly atSec: number;
      readonly kind: 'replica-latency';
      readonly replica: string;
      /** Added to every payment's way into the switch while this replica is primary (ms); 0 restores it. */
      readonly extraMs: number;
    };

/** What `upi-lab plan` may change, each knob with candidate values and what each costs. */
export interface PlanSpec {
  readonly variables: readonly PlanVariableSpec[];
}

export interface PlanVariableSpec {
  /**
   * `switch.capacity` (factor on the switch's capacity), `replica.<ID>.capacityTps`,
   * `bank.<ID>.capacityTps`, `banks.capacityFactor`, `batch.size`, `strategy` (scheduling policy).
   */
  readonly knob: string;
  readonly values: readonly (number | string)[];
  /** Cost of each value (same order); or `costPerUnit` × value for numeric knobs. */
  readonly costs?: readonly number[];
  readonly costPerUnit?: number;
}

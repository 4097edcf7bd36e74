/**
 * What `upi-lab k6-export` writes and the k6 scripts in loadtests/k6 `open()`: a scenario reduced to
 * what an HTTP load generator needs, already scaled. No imports: the k6 scripts type-check against
 * it under their own tsconfig (k6 types, no Node).
 */
export interface K6Plan {
  readonly planVersion: 1;
  readonly scenario: { readonly name: string; readonly file: string | null; readonly scale: number };
  readonly seed: number;
  readonly strategies: {
    readonly scheduling: string;
    readonly batch: { readonly policy: string; readonly size: number };
  };
  readonly durationSec: number;
  /** k6 `ramping-arrival-rate`: start rate and linear stages (payments/s, rounded to whole numbers). */
  readonly arrival: {
    readonly startRate: number;
    readonly timeUnit: '1s';
    readonly stages: readonly { readonly target: number; readonly duration: string }[];
    readonly peakRate: number;
    /** VUs to pre-allocate: peak rate × the longest a payment holds a VU, with headroom. */
    readonly preAllocatedVUs: number;
    readonly maxVUs: number;
  };
  /** Payers by PSP with their traffic share; payees; handles for unknown payees. */
  readonly psps: readonly { readonly id: string; readonly share: number; readonly vpas: readonly string[] }[];
  readonly payees: readonly string[];
  readonly handles: readonly string[];
  /** Category shares and amount distributions (log-normal, paise). */
  readonly categories: readonly {
    readonly category: string;
    readonly share: number;
    readonly priority: number;
    readonly deadlineMs: number;
    readonly medianPaise: number;
    readonly sigma: number;
  }[];
  readonly txnLimitPaise: number;
  readonly retryShare: number;
  readonly retryDelayMs: { readonly min: number; readonly max: number };
  readonly unknownPayeeShare: number;
  readonly systemInitiatedShare: number;
  /** The run's time of day at its start ('HH:MM[:SS]'), announced to the switch replicas in SWITCHES. */
  readonly startTimeOfDay: string;
  /** How long the PSP holds a request before answering 202 (ms). */
  readonly pspWaitMs: number;
  /** Status polls of a 202 (NPCI's limits by default). */
  readonly statusPoll: { readonly firstAfterMs: number; readonly everyMs: number; readonly maxPolls: number };
  /**
   * The scenario's faults as the calls they make, in time order (`faultActions`: overlapping ones
   * nest, a throttle's rate is the PSP's whole scaled rate, a leader kill is not followed by a
   * restart). The script's `faults` scenario makes them when it has the targets (BANKS, SWITCHES).
   */
  readonly faults: readonly {
    readonly atSec: number;
    readonly kind: string;
    readonly action: 'set' | 'clear';
    readonly target: 'bank' | 'psps' | 'switch-leader';
    readonly bank?: string;
    /** PUT this (null: DELETE; a leader kill has none). */
    readonly body: Readonly<Record<string, unknown>> | null;
  }[];
  /** The scenario's thresholds as written (conditions such as ">=0.99"). */
  readonly thresholds: {
    readonly overall?: Readonly<Record<string, string>>;
    readonly classes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  };
}

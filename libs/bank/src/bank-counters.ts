/** Per-bank counters for the run summary and /metrics. */
export interface BankCounters {
  /** Messages that arrived on the bank's topic (including invalid ones). */
  received: number;
  /** Replies published. */
  answered: number;
  /** Requests never answered: bank unreachable, phase-two op while down, or a ledger/bus error. */
  dropped: number;
  /** Malformed messages or messages for another bank; not answered. */
  invalid: number;
  /** Admitted requests still being served (queued or in latency). */
  inFlight: number;
  /** Ledger round trips (one `apply` per batch). */
  batches: number;
  /** Ledger operations applied through those batches. */
  ledgerOps: number;
  ledgerErrors: number;
  publishErrors: number;
  /** Declines by response code (business and technical). */
  declines: Record<string, number>;
}

/** A snapshot, with the queue length at the moment it was taken. */
export interface BankStats extends Readonly<Omit<BankCounters, 'declines'>> {
  readonly id: string;
  /** Requests waiting for a service slot (overload shows here first). */
  readonly queued: number;
  readonly declines: Readonly<Record<string, number>>;
}

export function newCounters(): BankCounters {
  return {
    received: 0,
    answered: 0,
    dropped: 0,
    invalid: 0,
    inFlight: 0,
    batches: 0,
    ledgerOps: 0,
    ledgerErrors: 0,
    publishErrors: 0,
    declines: {},
  };
}

import type { BankFaultKind, FaultSpec, Scenario } from './types';

/** A fault on the run's timeline, in milliseconds since the start. Active for atMs <= t < untilMs. */
export interface Fault {
  readonly kind: BankFaultKind;
  readonly bank: string;
  readonly atMs: number;
  readonly untilMs: number;
  readonly durationMs: number;
  /** Latency added to the bank's answers: the fault's value for 'bank-slow', 0 otherwise. */
  readonly extraLatencyMs: number;
}

/**
 * The scenario's bank faults sorted by start time (then bank, then kind, so the order is stable).
 * Service faults (`serviceFaultTimeline`) are for load drivers that reach the services' admin API.
 */
export function faultTimeline(s: Scenario): Fault[] {
  return s.faults
    .filter((f): f is FaultSpec & { kind: BankFaultKind; bank: string } => isBankFault(f.kind))
    .map((f) => ({
      kind: f.kind,
      bank: f.bank,
      atMs: f.atSec * 1000,
      untilMs: (f.atSec + f.durationSec) * 1000,
      durationMs: f.durationSec * 1000,
      extraLatencyMs: f.kind === 'bank-slow' ? (f.extraLatencyMs ?? 0) : 0,
    }))
    .sort((a, b) => a.atMs - b.atMs || a.bank.localeCompare(b.bank) || a.kind.localeCompare(b.kind));
}

/** Faults in force at `atMs`, optionally only those of one bank. */
export function activeFaults(timeline: readonly Fault[], atMs: number, bank?: string): Fault[] {
  return timeline.filter(
    (f) => f.atMs <= atMs && atMs < f.untilMs && (bank === undefined || f.bank === bank),
  );
}

/**
 * Of faults on one target (a bank, the PSPs' throttle), the one in force at `atMs`: of those active
 * then, the one that started last (the later in timeline order on a tie), or null. Such faults may
 * overlap — slow for a minute, down for five seconds within it — and the target is in one state at
 * a time: the inner one applies, then the outer one again.
 */
export function latestInForce<T extends { readonly atMs: number; readonly untilMs: number }>(
  faults: readonly T[],
  atMs: number,
): T | null {
  let found: T | null = null;
  for (const f of faults) {
    if (f.atMs > atMs || atMs >= f.untilMs) continue;
    if (!found || f.atMs >= found.atMs) found = f;
  }
  return found;
}

/** The fault a bank is under at `atMs` (`latestInForce` of its faults); every mode applies faults through this. */
export function bankFaultAt(timeline: readonly Fault[], bank: string, atMs: number): Fault | null {
  return latestInForce(
    timeline.filter((f) => f.bank === bank),
    atMs,
  );
}

export function isBankFault(kind: string): kind is BankFaultKind {
  return kind === 'bank-down' || kind === 'bank-unreachable' || kind === 'bank-slow';
}

/** A fault on a service other than a bank, in ms since the start (active for atMs <= t < untilMs). */
export interface ServiceFault {
  readonly spec: FaultSpec;
  readonly atMs: number;
  readonly untilMs: number;
}

/** The scenario's non-bank faults (PSP throttle, ...) sorted by start time. */
export function serviceFaultTimeline(s: Scenario): ServiceFault[] {
  return s.faults
    .filter((f) => !isBankFault(f.kind))
    .map((f) => ({ spec: f, atMs: f.atSec * 1000, untilMs: (f.atSec + f.durationSec) * 1000 }))
    .sort((a, b) => a.atMs - b.atMs || a.spec.kind.localeCompare(b.spec.kind));
}

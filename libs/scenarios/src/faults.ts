import type { Topology } from './topology';
import type { BankFaultKind, FaultKind, FaultSpec, Scenario } from './types';

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

/** What a bank fault does to the bank: the body of `PUT /admin/banks/:id/fault`, `BankService.setFault`. */
export type BankFaultState =
  | { readonly kind: 'down' }
  | { readonly kind: 'unreachable' }
  | { readonly kind: 'slow'; readonly extraLatencyMs: number };

export function bankFaultState(f: Fault): BankFaultState {
  switch (f.kind) {
    case 'bank-down':
      return { kind: 'down' };
    case 'bank-unreachable':
      return { kind: 'unreachable' };
    case 'bank-slow':
      return { kind: 'slow', extraLatencyMs: f.extraLatencyMs };
  }
}

/** The body of `PUT /admin/throttle` on each of `instances` PSP processes: the PSP as a whole admits the scaled rate. */
export interface ThrottleBody {
  readonly ratePerSec: number;
  readonly status: 429 | 503;
  readonly handles?: readonly string[];
}

export function throttleBody(
  spec: FaultSpec,
  topology: Topology,
  scale: number,
  instances = 1,
): ThrottleBody {
  const handles = spec.psp ? topology.psps.find((p) => p.id === spec.psp)?.handles : undefined;
  return {
    ratePerSec: ((spec.ratePerSec ?? 0) * scale) / instances,
    status: spec.status ?? 429,
    ...(handles ? { handles } : {}),
  };
}

/** One call of a scenario's fault timeline, for a driver that makes them at their times (the k6 script). */
export interface FaultAction {
  readonly atMs: number;
  /** The fault that starts (`set`) or ends (`clear`). */
  readonly kind: FaultKind;
  readonly action: 'set' | 'clear';
  /** A bank's process, every PSP process (their throttle), or the switch replica that leads. */
  readonly target: 'bank' | 'psps' | 'switch-leader';
  readonly bank?: string;
  /** What to put from then on (overlapping faults nest, `latestInForce`); null: clear it. A kill has none. */
  readonly body: BankFaultState | ThrottleBody | null;
}

/**
 * The calls a scenario's faults make, in time order: each bank fault's start and end put the bank's
 * state then (`bankFaultAt`), each throttle's the PSPs' throttle then (the whole PSP's scaled rate:
 * the driver divides it between its PSP processes), each leader kill crashes the leader. A kill's restart is left out: a
 * driver that cannot start processes leaves the replica down.
 */
export function faultActions(s: Scenario, topology: Topology): FaultAction[] {
  const out: FaultAction[] = [];
  const banks = faultTimeline(s);
  for (const f of banks) {
    for (const [action, atMs] of [
      ['set', f.atMs],
      ['clear', f.untilMs],
    ] as const) {
      const now = bankFaultAt(banks, f.bank, atMs);
      out.push({
        atMs,
        kind: f.kind,
        action,
        target: 'bank',
        bank: f.bank,
        body: now ? bankFaultState(now) : null,
      });
    }
  }
  const services = serviceFaultTimeline(s);
  const throttles = services.filter((f) => f.spec.kind === 'psp-throttle');
  for (const f of throttles) {
    for (const [action, atMs] of [
      ['set', f.atMs],
      ['clear', f.untilMs],
    ] as const) {
      const now = latestInForce(throttles, atMs);
      out.push({
        atMs,
        kind: 'psp-throttle',
        action,
        target: 'psps',
        body: now ? throttleBody(now.spec, topology, s.scale) : null,
      });
    }
  }
  for (const f of services.filter((x) => x.spec.kind === 'switch-leader-kill'))
    out.push({
      atMs: f.atMs,
      kind: 'switch-leader-kill',
      action: 'set',
      target: 'switch-leader',
      body: null,
    });
  // Stable: at one instant, clears before sets, in timeline order otherwise.
  return out
    .map((a, i) => ({ a, i }))
    .sort(
      (x, y) =>
        x.a.atMs - y.a.atMs || (x.a.action === y.a.action ? 0 : x.a.action === 'clear' ? -1 : 1) || x.i - y.i,
    )
    .map((x) => x.a);
}

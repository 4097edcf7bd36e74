import CircuitBreaker from 'opossum';
import type { LegOutcome } from './outcome';
import { BREAKER_STATE_VALUE, type BreakerState, type ResilienceMetrics } from './metrics';
import { breakerSettings, type BreakerSettings } from './settings';

/** The failure an admitted leg ends with when the bank's answer is a technical decline. */
export class LegDeclined extends Error {
  override readonly name = 'LegDeclined';
  constructor() {
    super('leg ended with a technical decline');
  }
}

/**
 * One shared, frozen failure: opossum only reads it (events), and a fresh Error per declined leg
 * would capture a stack trace each time on the simulator's hot path.
 */
const TECHNICAL_DECLINE = Object.freeze(new LegDeclined());

/**
 * opossum's fallback: a call it refuses (open, half-open with the trial out, at capacity) or that
 * fails then resolves with this instead of rejecting, so no call needs a catch of its own. Nothing
 * reads the value; refusals are seen at `admit()`, failures through opossum's events.
 */
function refused(): boolean {
  return true;
}

/** A leg the destination did not answer within the breaker's timeout (opossum's own code for it). */
export class LegTimedOut extends Error {
  override readonly name = 'LegTimedOut';
  readonly code = 'ETIMEDOUT';
  constructor(readonly timeoutMs: number) {
    super(`leg timed out after ${timeoutMs}ms`);
  }
}

/**
 * A leg in flight, and the "promise" the breaker's action returns for it. opossum accepts any
 * thenable and chains `then(ok).catch(fail)` on it; handing it this object instead of a real
 * promise saves three promises and three microtask hops per leg (three legs per payment), and lets
 * `record()` settle the call synchronously.
 */
class PendingLeg {
  private ok?: (value: void) => void;
  private fail?: (e: Error) => void;

  constructor(
    readonly id: string,
    /** When it was admitted (the global clock, as opossum's): its timeout counts from here. */
    readonly at: number,
  ) {}

  /** True once opossum has chained onto the leg, that is, it ran the action: the leg is admitted. */
  get admitted(): boolean {
    return this.ok !== undefined;
  }

  then(ok: (value: void) => void, fail?: (e: Error) => void): this {
    this.ok = ok;
    if (fail) this.fail = fail;
    return this;
  }

  catch(fail: (e: Error) => void): this {
    this.fail = fail;
    return this;
  }

  /** A business decline (BD) means the bank answered and is healthy: for the breaker, a success. */
  settle(outcome: LegOutcome): void {
    if (outcome === 'technical') this.fail!(TECHNICAL_DECLINE);
    else this.ok!();
  }

  timeOut(err: LegTimedOut): void {
    this.fail!(err);
  }
}

/**
 * One opossum breaker over message-shaped legs. A leg is admitted by firing the breaker with an
 * action whose promise stays open until `record()` settles it with the answer, so opossum sees an
 * ordinary call: its rolling window, error filter, timeout, open/half-open/close logic all apply
 * unchanged. opossum calls the action synchronously inside `fire()`, so whether it ran tells at
 * once whether the leg was admitted (it is not while open, nor in half-open once the single trial
 * leg is out, nor at `capacity`).
 *
 * opossum's state changes happen inside `record()`: it counts the leg and opens or closes the
 * breaker before `record()` returns.
 *
 * The call timeout is the breaker's own, not opossum's: opossum would arm a timer (and three
 * closures) per call, which is most of what a leg in flight holds. Legs wait in admission order,
 * so one timer, due when the oldest leg in flight times out, serves them all; a leg that times out
 * goes to opossum exactly as its own timeout would (a 'timeout' event, then a failure with code
 * ETIMEDOUT), at the same instant.
 * opossum reads the global clock (setTimeout, Date.now): see virtual-global-clock.ts.
 */
export class LegBreaker {
  readonly settings: BreakerSettings;
  readonly breaker: CircuitBreaker<[PendingLeg], void>;
  /** Legs in flight in admission order, so the oldest is first (Map keeps insertion order). */
  private readonly pending = new Map<string, PendingLeg>();
  private readonly timedOut: LegTimedOut | null;
  private sweepTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly from: string,
    readonly to: string,
    settings: Partial<BreakerSettings> = {},
    metrics?: ResilienceMetrics,
  ) {
    this.settings = breakerSettings(settings);
    const s = this.settings;
    this.breaker = new CircuitBreaker<[PendingLeg], void>(
      // The typings want a Promise; opossum itself only needs `then` (see PendingLeg).
      (leg) => leg as unknown as Promise<void>,
      {
        name: `${from}->${to}`,
        timeout: false,
        errorThresholdPercentage: s.errorThresholdPercentage,
        volumeThreshold: s.volumeThreshold,
        rollingCountTimeout: s.rollingCountTimeoutMs,
        rollingCountBuckets: s.rollingCountBuckets,
        resetTimeout: s.resetTimeoutMs,
        ...(s.capacity > 0 ? { capacity: s.capacity } : {}),
        rollingPercentilesEnabled: false,
        // Snapshots are a second interval timer per breaker that nothing here reads.
        enableSnapshots: false,
      },
    );
    this.breaker.fallback(refused);
    // One shared error: opossum and the metrics only read it, and timeouts come in floods.
    this.timedOut = s.timeoutMs > 0 ? Object.freeze(new LegTimedOut(s.timeoutMs)) : null;
    if (metrics) this.exportMetrics(metrics);
  }

  get state(): BreakerState {
    if (this.breaker.opened) return 'open';
    if (this.breaker.halfOpen) return 'halfOpen';
    return 'closed';
  }

  /** opossum's counts over the rolling window (fires, successes, failures, timeouts, rejects…). */
  stats(): CircuitBreaker.Stats {
    return this.breaker.stats;
  }

  /** Legs admitted and not yet recorded (nor timed out by the breaker). */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Asks to send leg `legId` to the destination. True: send it, then `record()` its outcome.
   * False: the breaker refuses (open, or half-open with its trial leg out); decline at once.
   */
  admit(legId: string): boolean {
    if (this.pending.has(legId)) throw new Error(`leg ${legId} toward ${this.to} is already in flight`);
    const leg = new PendingLeg(legId, Date.now());
    // The call never rejects (see `refused`). No closure per leg: thousands are in flight.
    void this.breaker.fire(leg);
    if (!leg.admitted) return false;
    this.pending.set(legId, leg);
    if (this.timedOut && this.sweepTimer === null) this.armSweep(this.timedOut.timeoutMs);
    return true;
  }

  /**
   * Settles an admitted leg. False (and nothing counted) when the leg is unknown: never admitted,
   * already recorded, or already counted as a timeout by the breaker (a late answer).
   */
  record(legId: string, outcome: LegOutcome): boolean {
    const leg = this.pending.get(legId);
    if (!leg) return false;
    this.pending.delete(legId);
    leg.settle(outcome);
    return true;
  }

  /**
   * Opens the breaker now (opossum's `open()`: half-open after `resetTimeoutMs`) when the
   * destination has been refused for less than that; a breaker refusing it longer would be
   * half-open already, so this one stays as it is and its next leg is the trial.
   */
  markDown(downForMs: number): void {
    if (downForMs < this.settings.resetTimeoutMs && !this.breaker.opened) this.breaker.open();
  }

  /** Stops opossum's timers; legs still open are forgotten. */
  shutdown(): void {
    if (this.sweepTimer !== null) clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
    this.pending.clear();
    this.breaker.shutdown();
  }

  private armSweep(inMs: number): void {
    this.sweepTimer = setTimeout(this.sweep, inMs);
  }

  /** Times out every leg whose deadline has come, oldest first, and waits for the next one. */
  private readonly sweep = (): void => {
    this.sweepTimer = null;
    const err = this.timedOut!;
    const now = Date.now();
    for (const leg of this.pending.values()) {
      const due = leg.at + err.timeoutMs;
      if (due > now) return this.armSweep(due - now);
      this.pending.delete(leg.id);
      // What opossum's own timeout does: 'timeout' (its stats count it), then the call fails.
      this.breaker.emit('timeout', err, now - leg.at, [leg]);
      leg.timeOut(err);
    }
  };

  private exportMetrics(m: ResilienceMetrics): void {
    const labels = { from: this.from, to: this.to };
    const setState = () => m.state.set(labels, BREAKER_STATE_VALUE[this.state]);
    setState();
    const b = this.breaker;
    // Registered through EventEmitter's untyped signature: the typings give each event its own overload.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- EventEmitter listeners take any arguments
    const on = (event: string, fn: (...a: any[]) => void) => (b as NodeJS.EventEmitter).on(event, fn);
    for (const event of ['reject', 'success', 'failure', 'timeout', 'open', 'halfOpen', 'close']) {
      on(event, () => m.events.inc({ ...labels, event }));
    }
    for (const event of ['open', 'halfOpen', 'close']) on(event, setState);
    const latency = (outcome: string) => (_r: unknown, latencyMs: number) =>
      m.legLatency.observe({ ...labels, outcome }, Math.max(0, latencyMs) / 1000);
    on('success', latency('success'));
    // A timeout also emits 'failure': observe the failure only when it was not a timeout.
    on('failure', (err: unknown, latencyMs: number) => {
      const timedOut = (err as { code?: unknown } | null)?.code === 'ETIMEDOUT';
      latency(timedOut ? 'timeout' : 'failure')(undefined, latencyMs);
    });
  }
}

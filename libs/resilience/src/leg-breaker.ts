import CircuitBreaker from 'opossum';
import type { LegOutcome } from './outcome';
import { BREAKER_STATE_VALUE, type BreakerState, type ResilienceMetrics } from './metrics';
import { breakerSettings, type BreakerSettings } from './settings';

/** The rejection an admitted leg's action ends with when the answer is a decline. */
export class LegDeclined extends Error {
  override readonly name = 'LegDeclined';
  constructor(readonly outcome: Exclude<LegOutcome, 'ok'>) {
    super(`leg ended with a ${outcome} decline`);
  }
}

/**
 * One shared, frozen rejection per outcome: opossum only reads it (error filter, events), and a
 * fresh Error per declined leg would capture a stack trace each time on the simulator's hot path.
 */
const DECLINED: Readonly<Record<Exclude<LegOutcome, 'ok'>, LegDeclined>> = {
  business: Object.freeze(new LegDeclined('business')),
  technical: Object.freeze(new LegDeclined('technical')),
};

function ignore(): void {}

/** opossum's errorFilter: a business decline means the destination is healthy, so it is not a failure. */
export function isBusinessDecline(err: unknown): boolean {
  return err instanceof LegDeclined && err.outcome === 'business';
}

interface PendingLeg {
  readonly id: string;
  resolve?: () => void;
  reject?: (e: LegDeclined) => void;
}

/**
 * One opossum breaker over message-shaped legs. A leg is admitted by firing the breaker with an
 * action whose promise stays open until `record()` settles it with the answer, so opossum sees an
 * ordinary call: its rolling window, error filter, timeout, open/half-open/close logic all apply
 * unchanged. opossum calls the action synchronously inside `fire()`, so whether it ran tells at
 * once whether the leg was admitted (it is not while open, nor in half-open once the single trial
 * leg is out, nor at `capacity`).
 *
 * opossum's state changes follow a settled leg in a promise callback: after `record()` the state
 * is current once pending microtasks have run (before the next timer or message is handled).
 * opossum reads the global clock (setTimeout, Date.now): see virtual-global-clock.ts.
 */
export class LegBreaker {
  readonly settings: BreakerSettings;
  readonly breaker: CircuitBreaker<[PendingLeg], void>;
  private readonly pending = new Map<string, PendingLeg>();

  constructor(
    readonly from: string,
    readonly to: string,
    settings: Partial<BreakerSettings> = {},
    metrics?: ResilienceMetrics,
  ) {
    this.settings = breakerSettings(settings);
    const s = this.settings;
    this.breaker = new CircuitBreaker<[PendingLeg], void>(
      (leg) =>
        new Promise<void>((resolve, reject) => {
          leg.resolve = resolve;
          leg.reject = reject;
        }),
      {
        name: `${from}->${to}`,
        timeout: s.timeoutMs > 0 ? s.timeoutMs : false,
        errorThresholdPercentage: s.errorThresholdPercentage,
        volumeThreshold: s.volumeThreshold,
        rollingCountTimeout: s.rollingCountTimeoutMs,
        rollingCountBuckets: s.rollingCountBuckets,
        resetTimeout: s.resetTimeoutMs,
        ...(s.capacity > 0 ? { capacity: s.capacity } : {}),
        errorFilter: isBusinessDecline,
        rollingPercentilesEnabled: false,
        // Snapshots are a second interval timer per breaker that nothing here reads.
        enableSnapshots: false,
      },
    );
    // opossum passes the call's arguments after the latency; its typings list only the error.
    (this.breaker as NodeJS.EventEmitter).on('timeout', (_err: unknown, _ms: unknown, args: [PendingLeg]) =>
      this.forget(args[0]),
    );
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
    const leg: PendingLeg = { id: legId };
    // The call's own rejection (refused, declined, timed out) is reported through events; swallow it
    // here. A leg opossum times out is forgotten by the 'timeout' listener; any other end goes
    // through record(). No closure per leg: thousands are in flight at national scale.
    this.breaker.fire(leg).catch(ignore);
    if (!leg.resolve) return false;
    this.pending.set(legId, leg);
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
    if (outcome === 'ok') leg.resolve!();
    else leg.reject!(DECLINED[outcome]);
    return true;
  }

  /** Stops opossum's timers; legs still open are forgotten. */
  shutdown(): void {
    this.pending.clear();
    this.breaker.shutdown();
  }

  private forget(leg: PendingLeg): void {
    if (this.pending.get(leg.id) === leg) this.pending.delete(leg.id);
  }

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

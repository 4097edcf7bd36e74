import type { Clock } from '../../domain/src';
import { LegBreaker } from './leg-breaker';
import { ConcurrencyLimiter, type LimitToken } from './limits';
import type { ResilienceMetrics } from './metrics';
import type { LegOutcome } from './outcome';
import {
  parseBreakerStrategy,
  type BreakerPolicy,
  type BreakerSettings,
  type BreakerStrategy,
  type LimitSettings,
} from './settings';

/**
 * Admission of legs (a message out, an answer or a timeout back) toward several destinations,
 * whatever the strategy: the switch asks before each bank leg, a PSP before each ReqPay.
 * Every admitted leg must be recorded once, with its answer or with the caller's own timeout.
 */
export interface LegAdmission {
  readonly policy: BreakerPolicy;
  /** True: send the leg. False: decline it at once (U90/U91 at the switch). */
  admit(to: string, legId: string): boolean;
  /** The leg's outcome. False when the leg is unknown (never admitted, already recorded, or timed out by a breaker). */
  record(to: string, legId: string, outcome: LegOutcome): boolean;
  /** An admitted leg that will never be sent (its other leg was refused): release it without a sample. */
  cancel(to: string, legId: string): void;
  /**
   * A new leader takes over a destination that its predecessor's breaker was refusing, since
   * `downForMs`: refuse legs toward it as if the breaker had opened now, unless the old one would
   * have half-opened already. Policies without an open state ignore it.
   */
  markDown(to: string, downForMs: number): void;
  /** Stops timers held by the strategy (opossum's). */
  shutdown(): void;
}

export interface AdmissionOptions {
  /** The caller, as metric label `from`: `switch` or a PSP id. */
  readonly from: string;
  /** Clock for RTTs under the adaptive policy (the run's Timers). */
  readonly clock: Clock;
  readonly metrics?: ResilienceMetrics;
}

/** `off`: every leg goes through. */
export class NoAdmissionControl implements LegAdmission {
  readonly policy = 'off' as const;
  admit(): boolean {
    return true;
  }
  record(): boolean {
    return true;
  }
  cancel(): void {}
  markDown(): void {}
  shutdown(): void {}
}

/** `fixed`: one opossum breaker per destination (created on first use: destinations come from the topology). */
export class BankBreakers implements LegAdmission {
  readonly policy = 'fixed' as const;
  private readonly breakers = new Map<string, LegBreaker>();

  constructor(
    private readonly settings: Partial<BreakerSettings> = {},
    private readonly from = 'switch',
    private readonly metrics?: ResilienceMetrics,
  ) {}

  /** The breaker toward `to` (created closed on first use). */
  breaker(to: string): LegBreaker {
    let b = this.breakers.get(to);
    if (!b) {
      b = new LegBreaker(this.from, to, this.settings, this.metrics);
      this.breakers.set(to, b);
    }
    return b;
  }

  admit(to: string, legId: string): boolean {
    return this.breaker(to).admit(legId);
  }

  record(to: string, legId: string, outcome: LegOutcome): boolean {
    return this.breakers.get(to)?.record(legId, outcome) ?? false;
  }

  /** opossum has no way to withdraw a call; a business outcome is the one that counts neither way toward opening. */
  cancel(to: string, legId: string): void {
    this.record(to, legId, 'business');
  }

  markDown(to: string, downForMs: number): void {
    this.breaker(to).markDown(downForMs);
  }

  shutdown(): void {
    for (const b of this.breakers.values()) b.shutdown();
    this.breakers.clear();
  }
}

/** `adaptive`: one concurrency limiter per destination; RTTs measured on the given clock. */
export class AdaptiveLimits implements LegAdmission {
  readonly policy = 'adaptive' as const;
  private readonly limiters = new Map<string, ConcurrencyLimiter>();
  private readonly pending = new Map<string, Map<string, { token: LimitToken; startedAt: number }>>();

  constructor(
    private readonly settings: LimitSettings,
    private readonly clock: Clock,
    private readonly from = 'switch',
    private readonly metrics?: ResilienceMetrics,
  ) {}

  limiter(to: string): ConcurrencyLimiter {
    let l = this.limiters.get(to);
    if (!l) {
      l = ConcurrencyLimiter.of(this.settings);
      this.limiters.set(to, l);
      this.pending.set(to, new Map());
      this.metrics?.watchLimiter(this.from, to, l);
    }
    return l;
  }

  admit(to: string, legId: string): boolean {
    const limiter = this.limiter(to);
    const legs = this.pending.get(to)!;
    if (legs.has(legId)) throw new Error(`leg ${legId} toward ${to} is already in flight`);
    const token = limiter.tryAcquire();
    if (!token) {
      this.metrics?.limiterRejects.inc({ from: this.from, to });
      return false;
    }
    legs.set(legId, { token, startedAt: this.clock.now() });
    return true;
  }

  record(to: string, legId: string, outcome: LegOutcome): boolean {
    const legs = this.pending.get(to);
    const leg = legs?.get(legId);
    if (!legs || !leg) return false;
    legs.delete(legId);
    // A business decline is a real answer from a healthy destination: its RTT is a valid sample.
    return leg.token.release(
      outcome === 'technical' ? 'dropped' : 'ok',
      Math.max(0, this.clock.now() - leg.startedAt),
    );
  }

  cancel(to: string, legId: string): void {
    const legs = this.pending.get(to);
    const leg = legs?.get(legId);
    if (!legs || !leg) return;
    legs.delete(legId);
    leg.token.release('ignore', 0);
  }

  /** A limiter has no open state: it learns the destination's health again from the legs' RTTs. */
  markDown(): void {}

  shutdown(): void {
    for (const legs of this.pending.values()) legs.clear();
  }
}

/** The admission control a strategy names (input as in the scenario file; defaults filled in). */
export function createAdmission(strategy: BreakerStrategy | unknown, opts: AdmissionOptions): LegAdmission {
  const s = parseBreakerStrategy(strategy);
  switch (s.policy) {
    case 'off':
      return new NoAdmissionControl();
    case 'fixed':
      return new BankBreakers(s, opts.from, opts.metrics);
    case 'adaptive': {
      const { policy: _p, ...limit } = s;
      return new AdaptiveLimits(limit, opts.clock, opts.from, opts.metrics);
    }
  }
}

import { createAdmission, type AdmissionOptions, type LegAdmission } from './admission';
import type { LegOutcome } from './outcome';
import type { BreakerStrategy } from './settings';

/** The error `run()` rejects with when the strategy refuses the call. */
export class SwitchUnavailableError extends Error {
  override readonly name = 'SwitchUnavailableError';
  constructor(readonly psp: string) {
    super(`${psp}: the breaker toward the switch refused the request`);
  }
}

export const SWITCH_DESTINATION = 'switch';

/**
 * A PSP's guard toward the switch, under any policy (`fixed`: an opossum breaker, `adaptive`: a
 * concurrency limit, `off`: nothing) with the same settings surface as the switch's bank breakers.
 * Message-shaped callers use admit/record; promise-shaped callers use run().
 */
export class SwitchBreaker {
  private readonly inner: LegAdmission;
  private seq = 0;

  constructor(
    strategy: BreakerStrategy | unknown,
    readonly psp: string,
    opts: Omit<AdmissionOptions, 'from'>,
  ) {
    this.inner = createAdmission(strategy, { ...opts, from: psp });
  }

  get policy(): LegAdmission['policy'] {
    return this.inner.policy;
  }

  /** The admission underneath (e.g. to read a breaker's state or a limiter's limit in tests). */
  get admission(): LegAdmission {
    return this.inner;
  }

  admit(legId: string): boolean {
    return this.inner.admit(SWITCH_DESTINATION, legId);
  }

  record(legId: string, outcome: LegOutcome): boolean {
    return this.inner.record(SWITCH_DESTINATION, legId, outcome);
  }

  /**
   * Runs one promise-shaped call through the guard. `classify` maps its result (or its error) to
   * an outcome; by default a resolved call is `ok` and a rejected one `technical`.
   */
  async run<T>(
    call: () => Promise<T>,
    classify: (r: { ok: true; value: T } | { ok: false; error: unknown }) => LegOutcome = (r) =>
      r.ok ? 'ok' : 'technical',
  ): Promise<T> {
    const legId = `run-${++this.seq}`;
    if (!this.admit(legId)) throw new SwitchUnavailableError(this.psp);
    let value: T;
    try {
      value = await call();
    } catch (error) {
      this.record(legId, classify({ ok: false, error }));
      throw error;
    }
    this.record(legId, classify({ ok: true, value }));
    return value;
  }

  shutdown(): void {
    this.inner.shutdown();
  }
}

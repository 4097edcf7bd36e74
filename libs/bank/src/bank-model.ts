import type { BankOp, Random, ResponseCode, Side } from '../../domain/src';
import {
  type BankFault,
  type BankProfile,
  isBusinessOp,
  logNormalSigma,
  technicalDecline,
  validateFault,
  validateProfile,
} from './bank-profile';

/** What becomes of a request when it reaches the bank. */
export type Admission =
  /** Never answered (unreachable bank; phase-two op at a bank that is down). */
  | { readonly kind: 'drop' }
  /** Answered at once without service (business op at a bank that is down). */
  | { readonly kind: 'decline-now'; readonly code: ResponseCode }
  /** Served: answered at `doneAt`, with a technical decline `fail` decided now (null = processed normally). */
  | { readonly kind: 'serve'; readonly doneAt: number; readonly fail: ResponseCode | null };

/** What a served request turns into at `doneAt`, given the fault at that moment. */
export type Completion = 'process' | 'decline' | 'drop';

export interface BankModelOptions {
  /**
   * The CBS finishes work on a grid of this many ms (answers are due at the next multiple), so
   * requests completing together form one batch. 0 turns the grid off. Default 1.
   */
  readonly tickMs?: number;
}

/**
 * The service-time model of one bank, pure: time is passed in, randomness is the seeded stream.
 *
 * Capacity is a rate-limited FIFO server: request n starts service no sooner than 1/capacity after
 * request n-1, so throughput never exceeds capacityTps and overload shows as a growing queueing
 * delay (and, beyond the switch's timeout, as UT/BT). After its slot, a request takes a log-normal
 * latency (median and p99 from the profile, plus a `slow` fault's extra).
 */
export class BankModel {
  readonly profile: BankProfile;
  private readonly intervalMs: number;
  private readonly sigma: number;
  private readonly tickMs: number;
  /** Earliest time the next request may start service. */
  private nextFree = -Infinity;
  private current: BankFault | null = null;

  constructor(
    profile: BankProfile,
    private readonly rng: Random,
    opts: BankModelOptions = {},
  ) {
    validateProfile(profile);
    const tick = opts.tickMs ?? 1;
    if (!(Number.isFinite(tick) && tick >= 0)) throw new Error(`tickMs must be >= 0, got ${tick}`);
    this.profile = profile;
    this.intervalMs = 1000 / profile.capacityTps;
    this.sigma = logNormalSigma(profile.latency.medianMs, profile.latency.p99Ms);
    this.tickMs = tick;
  }

  get fault(): BankFault | null {
    return this.current;
  }

  setFault(fault: BankFault | null): void {
    validateFault(fault);
    this.current = fault;
  }

  /** A request arrives at `now`. Random draws happen here, in arrival order, so a seed replays. */
  admit(req: { readonly op: BankOp; readonly side: Side }, now: number): Admission {
    const f = this.current;
    if (f?.kind === 'unreachable') return { kind: 'drop' };
    const business = isBusinessOp(req.op);
    if (f?.kind === 'down')
      return business ? { kind: 'decline-now', code: technicalDecline(req.side) } : { kind: 'drop' };
    const start = Math.max(now, this.nextFree);
    this.nextFree = start + this.intervalMs;
    const extra = f?.kind === 'slow' ? f.extraLatencyMs : 0;
    const latency = this.rng.logNormal(this.profile.latency.medianMs, this.sigma) + extra;
    // Phase two is never failed at random: a bank must eventually complete what it prepared.
    const fail = business && this.rng.chance(this.profile.failureRate) ? technicalDecline(req.side) : null;
    return { kind: 'serve', doneAt: this.onGrid(start + latency), fail };
  }

  /** A served request is due: the fault at this moment decides whether it is processed at all. */
  complete(op: BankOp): Completion {
    const f = this.current;
    if (f?.kind === 'unreachable') return 'drop';
    if (f?.kind === 'down') return isBusinessOp(op) ? 'decline' : 'drop';
    return 'process';
  }

  /** Requests admitted but still waiting for their service slot at `now`. */
  queued(now: number): number {
    const lastStart = this.nextFree - this.intervalMs;
    if (!(lastStart > now)) return 0;
    return Math.ceil((lastStart - now) / this.intervalMs - 1e-9);
  }

  private onGrid(t: number): number {
    return this.tickMs > 0 ? Math.ceil(t / this.tickMs) * this.tickMs : t;
  }
}

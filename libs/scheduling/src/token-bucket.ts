import { assertFinitePositive } from './types';

/** Token bucket on an injected clock: `ratePerSec` tokens accrue continuously, up to `burst`. */
export class TokenBucket {
  private tokens: number;
  private last: number | null = null;

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
  ) {
    assertFinitePositive('ratePerSec', ratePerSec);
    assertFinitePositive('burst', burst);
    this.tokens = burst;
  }

  private refill(now: number): void {
    if (this.last !== null && now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSec) / 1000);
    }
    if (this.last === null || now > this.last) this.last = now;
  }

  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Ms from `now` until one token is available (0 if one is). */
  msUntilToken(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSec);
  }
}

import { Deque } from '../../collections/src';
import { RunClockDay, parseTimeOfDay } from './time-of-day';
import { TokenBucket } from './token-bucket';
import { assertPositiveInt } from './types';

export interface SystemGateOptions {
  /** Time of day when the run clock read `clockOrigin` ('HH:MM[:SS]' or ms since midnight). Default '00:00'. */
  readonly startTimeOfDay?: string | number;
  /** Run-clock reading at the run start. Default 0. */
  readonly clockOrigin?: number;
  /** Windows in which SYSTEM traffic is held: NPCI's 10:00–13:00 and 17:00–21:30 by default. */
  readonly peakWindows?: readonly (readonly [string | number, string | number])[];
  /** Rate limit for SYSTEM traffic outside the windows (and for the backlog released after one). Default 100/s. */
  readonly ratePerSec?: number;
  /** Token-bucket burst. Default 1 s worth of `ratePerSec`. */
  readonly burst?: number;
  /** Bound on held items; beyond it a SYSTEM item is rejected (the host sheds it). Default 100,000. */
  readonly maxHeld?: number;
}

export const NPCI_PEAK_WINDOWS: readonly (readonly [string, string])[] = [
  ['10:00', '13:00'],
  ['17:00', '21:30'],
];

export type GateVerdict = 'pass' | 'held' | 'rejected';

/**
 * NPCI (from August 2025): system-initiated calls (AutoPay, status polls, balance checks nobody
 * asked for) are barred during peak windows and rate-limited otherwise. The gate holds them in
 * arrival order and lets them out through a token bucket once no window is open.
 */
export class SystemTrafficGate<T> {
  private day: RunClockDay;
  private readonly windows: readonly (readonly [number, number])[];
  private readonly bucket: TokenBucket;
  private readonly queue = new Deque<T>();
  readonly maxHeld: number;

  constructor(opts: SystemGateOptions = {}) {
    this.day = new RunClockDay(opts.startTimeOfDay ?? 0, opts.clockOrigin ?? 0);
    this.windows = (opts.peakWindows ?? NPCI_PEAK_WINDOWS).map(([a, b]) => {
      const s = parseTimeOfDay(a);
      const e = parseTimeOfDay(b);
      if (!(s < e)) throw new Error(`peak window ${String(a)}–${String(b)} must start before it ends`);
      return [s, e] as const;
    });
    const rate = opts.ratePerSec ?? 100;
    this.bucket = new TokenBucket(rate, opts.burst ?? Math.max(1, rate));
    this.maxHeld = opts.maxHeld ?? 100_000;
    assertPositiveInt('maxHeld', this.maxHeld);
  }

  get held(): number {
    return this.queue.length;
  }

  /** The run clock read `startTimeOfDay` at `clockOrigin`: a live run announces its start to a switch already up. */
  setClock(startTimeOfDay: string | number, clockOrigin: number): void {
    this.day = new RunClockDay(startTimeOfDay, clockOrigin);
  }

  /** The time of day at `now` (ms since midnight). */
  timeOfDay(now: number): number {
    return this.day.timeOfDay(now);
  }

  /** End (run clock) of the peak window open at `now`, or null when none is. */
  peakEndsAt(now: number): number | null {
    const tod = this.day.timeOfDay(now);
    for (const [s, e] of this.windows) if (tod >= s && tod < e) return now + (e - tod);
    return null;
  }

  inPeak(now: number): boolean {
    return this.peakEndsAt(now) !== null;
  }

  /** 'pass': send it on now; 'held': the gate keeps it until `release`; 'rejected': the hold is full. */
  offer(item: T, now: number): GateVerdict {
    if (!this.inPeak(now) && this.queue.length === 0 && this.bucket.tryTake(now)) return 'pass';
    if (this.queue.length >= this.maxHeld) return 'rejected';
    this.queue.push(item);
    return 'held';
  }

  /** Held items allowed out at `now`, oldest first. */
  release(now: number): T[] {
    const out: T[] = [];
    if (this.inPeak(now)) return out;
    while (this.queue.length > 0 && this.bucket.tryTake(now)) out.push(this.queue.popFront()!);
    return out;
  }

  /** Everything held, oldest first, emptying the gate (a run that ends inside a peak window). */
  takeAll(): T[] {
    const out: T[] = [];
    while (this.queue.length > 0) out.push(this.queue.popFront()!);
    return out;
  }

  /** When `release` can next yield something, or null when nothing is held. */
  nextReleaseAt(now: number): number | null {
    if (this.queue.length === 0) return null;
    const end = this.peakEndsAt(now);
    if (end !== null) return end;
    return now + this.bucket.msUntilToken(now);
  }
}

import type { AimdSettings, GradientSettings, LimitSettings } from './settings';
import { limitSettings } from './settings';

/**
 * Adaptive concurrency limits in the manner of Netflix's concurrency-limits: the limit on legs in
 * flight follows what the destination can take, measured from each leg's round-trip time and
 * whether it was dropped, rather than tripping on a fixed error threshold. Pure: no clock is read;
 * callers pass the RTT they measured on their own clock.
 */
export interface LimitAlgorithm {
  /** The current limit (may be fractional; the limiter admits while inflight < floor(limit)). */
  readonly limit: number;
  /** One finished leg: its RTT, the legs in flight when it started, and whether it was dropped. */
  onSample(rttMs: number, inflight: number, dropped: boolean): void;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}

function checkSample(rttMs: number, inflight: number): void {
  if (!Number.isFinite(rttMs) || rttMs < 0)
    throw new RangeError(`rtt must be a finite number ≥ 0, got ${rttMs}`);
  if (!Number.isFinite(inflight) || inflight < 0)
    throw new RangeError(`inflight must be ≥ 0, got ${inflight}`);
}

/** AIMD: +1 on a success while the limit is in use, × backoffRatio on a drop or a too-slow success. */
export class AimdLimit implements LimitAlgorithm {
  private current: number;

  constructor(private readonly s: AimdSettings) {
    this.current = s.initialLimit;
  }

  get limit(): number {
    return this.current;
  }

  onSample(rttMs: number, inflight: number, dropped: boolean): void {
    checkSample(rttMs, inflight);
    if (dropped || (this.s.timeoutMs > 0 && rttMs > this.s.timeoutMs)) {
      this.current = this.current * this.s.backoffRatio;
    } else if (inflight * 2 >= this.current) {
      // Grow only when the limit is actually the constraint (an idle client proves nothing).
      this.current = this.current + 1;
    }
    this.current = clamp(this.current, this.s.minLimit, this.s.maxLimit);
  }
}

/**
 * Gradient limit in the manner of Netflix's Gradient2: the limit scales by
 * gradient = clamp(tolerance × baselineRtt / shortRtt, 0.5, 1) — 1 while latency stays within
 * tolerance of its baseline, smaller as queueing inflates it — plus a queue allowance that keeps
 * it probing upward, smoothed. Its fixed point is a queue of about `queueSize` legs beyond what
 * `rttTolerance` allows: limit ≈ tolerance × capacity + queueSize.
 *
 * Where it departs from Gradient2, and why:
 * - Samples are gathered into windows of about one round trip (max(minWindowSamples, limit)
 *   samples: in a saturated loop a limit's worth of legs completes per RTT) and the limit moves
 *   once per window on the window's mean RTT, as Netflix runs Gradient2 behind a sample window;
 *   moving it per sample grows it faster than latency can answer.
 * - The baseline is not an average of recent RTTs (under sustained queueing such an average
 *   follows the inflated RTT up, and the limit creeps without bound) but the no-load RTT: the
 *   lowest window RTT since the last probe. Every `probeInterval` windows the limit is cut below
 *   capacity until the legs sent before the cut have finished, and the next window's RTT becomes
 *   the baseline (Netflix's first GradientLimit probes likewise), so a bank that became slower
 *   for good is re-learned instead of throttled to nothing.
 * - A window with a drop (a timeout, a technical failure) counts as the strongest overload signal
 *   (gradient 0.5): Gradient2 ignores drops, but a timed-out bank leg has no useful RTT.
 */
export class GradientLimit implements LimitAlgorithm {
  private estimate: number;
  private baseline = 0;
  private windowsToProbe: number;
  /** Probe state: samples left to drain (legs sent before the probe), then a measuring window. */
  private probe: { phase: 'drain'; left: number } | { phase: 'measure' } | null = null;
  private win = { n: 0, rttSum: 0, maxInflight: 0, dropped: false };

  constructor(private readonly s: GradientSettings) {
    this.estimate = s.initialLimit;
    this.windowsToProbe = s.probeInterval;
  }

  get limit(): number {
    if (!this.probe) return this.estimate;
    // At the fixed point the destination serves about (limit − queueSize) / tolerance legs at
    // once; half of that leaves it no queue, even if the baseline had drifted.
    const drain = (this.estimate - this.s.queueSize) / (2 * this.s.rttTolerance);
    return Math.max(this.s.minLimit, drain);
  }

  /** The no-load RTT the short RTT is compared to (0 until the first window). */
  get baselineRttMs(): number {
    return this.baseline;
  }

  /** While the limit is cut to re-measure the no-load RTT: draining the old queue, then measuring. */
  get probing(): 'drain' | 'measure' | null {
    return this.probe?.phase ?? null;
  }

  onSample(rttMs: number, inflight: number, dropped: boolean): void {
    checkSample(rttMs, inflight);
    if (this.probe?.phase === 'drain') {
      // Legs sent before the probe still carry the old queue's wait: let them all finish first.
      if (--this.probe.left <= 0) this.probe = { phase: 'measure' };
      return;
    }
    const w = this.win;
    w.n++;
    w.maxInflight = Math.max(w.maxInflight, inflight);
    if (dropped) w.dropped = true;
    else w.rttSum += rttMs;
    if (w.n < Math.max(this.s.minWindowSamples, Math.floor(this.limit))) return;
    this.win = { n: 0, rttSum: 0, maxInflight: 0, dropped: false };
    if (this.probe) {
      // Only legs sent at the cut limit, into an empty queue: their mean RTT is the no-load RTT.
      this.probe = null;
      if (!w.dropped) this.baseline = Math.max(w.rttSum / w.n, 1e-3);
      return;
    }
    this.update(w);
  }

  private update(w: { n: number; rttSum: number; maxInflight: number; dropped: boolean }): void {
    let gradient: number;
    if (w.dropped) {
      gradient = 0.5;
    } else {
      const shortRtt = Math.max(w.rttSum / w.n, 1e-3);
      if (this.baseline === 0 || shortRtt < this.baseline) this.baseline = shortRtt;
      // An application-limited client says nothing about capacity: keep the limit.
      if (w.maxInflight < this.estimate / 2) return;
      gradient = clamp((this.s.rttTolerance * this.baseline) / shortRtt, 0.5, 1);
    }
    const target = this.estimate * gradient + this.s.queueSize;
    const next = this.estimate * (1 - this.s.smoothing) + target * this.s.smoothing;
    this.estimate = clamp(next, this.s.minLimit, this.s.maxLimit);
    if (this.s.probeInterval > 0 && --this.windowsToProbe <= 0) {
      this.windowsToProbe = this.s.probeInterval;
      this.probe = { phase: 'drain', left: Math.ceil(this.estimate) };
    }
  }
}

export function createLimit(settings: LimitSettings): LimitAlgorithm {
  const s = limitSettings(settings);
  return s.algorithm === 'aimd' ? new AimdLimit(s) : new GradientLimit(s);
}

/**
 * How a leg admitted by a limiter ended: `ok` (an answer, its RTT is a latency sample), `dropped`
 * (a timeout or a technical failure: the destination is overloaded), `ignore` (it never reached
 * the destination or says nothing about it: only the inflight count is released).
 */
export type ReleaseOutcome = 'ok' | 'dropped' | 'ignore';

/** Permission for one leg; release it exactly once (later releases are ignored and return false). */
export interface LimitToken {
  readonly inflightAtStart: number;
  release(outcome: ReleaseOutcome, rttMs: number): boolean;
}

/** Admits legs while fewer than floor(limit) are in flight; each released token feeds the limit. */
export class ConcurrencyLimiter {
  private inflightCount = 0;
  private rejectedCount = 0;

  constructor(readonly algorithm: LimitAlgorithm) {}

  static of(settings: LimitSettings): ConcurrencyLimiter {
    return new ConcurrencyLimiter(createLimit(settings));
  }

  get limit(): number {
    return this.algorithm.limit;
  }

  get inflight(): number {
    return this.inflightCount;
  }

  /** Legs refused since creation. */
  get rejected(): number {
    return this.rejectedCount;
  }

  /** A token when a leg may start now, else null (the caller declines the leg at once). */
  tryAcquire(): LimitToken | null {
    if (this.inflightCount >= Math.max(1, Math.floor(this.algorithm.limit))) {
      this.rejectedCount++;
      return null;
    }
    const inflightAtStart = ++this.inflightCount;
    let released = false;
    return {
      inflightAtStart,
      release: (outcome, rttMs) => {
        if (released) return false;
        if (outcome !== 'ignore') checkSample(rttMs, inflightAtStart);
        released = true;
        this.inflightCount--;
        if (outcome !== 'ignore') this.algorithm.onSample(rttMs, inflightAtStart, outcome === 'dropped');
        return true;
      },
    };
  }
}

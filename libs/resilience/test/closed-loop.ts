import { Random } from '../../domain/src';
import type { ConcurrencyLimiter, ReleaseOutcome } from '../src';

/** A destination with `capacity` parallel servers and a FIFO queue; beyond `queueLimit` waiting legs it refuses at once. */
export interface ServerModel {
  readonly capacity: number;
  readonly serviceMedianMs: number;
  readonly serviceSigma: number;
  /** Waiting legs beyond which a new leg is refused (a bank shedding load). Infinity = latency grows instead. */
  readonly queueLimit: number;
  /** RTT of a refusal. */
  readonly refuseMs: number;
}

export interface LoopResult {
  /** (time, limit) after every completion. */
  readonly limits: readonly { t: number; limit: number }[];
  readonly rtts: readonly number[];
  readonly completed: number;
  readonly refused: number;
}

interface Ev {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A seeded closed loop: a client with unbounded demand sends as many legs as the limiter admits,
 * to a server of known capacity. Deterministic for a seed; time is simulated, nothing waits.
 */
export function runClosedLoop(
  limiter: ConcurrencyLimiter,
  server: ServerModel,
  seed: number,
  completions: number,
  /** Changes the server mid-run (e.g. the bank slows down) once this many legs have completed. */
  change?: { readonly after: number; readonly server: ServerModel },
): LoopResult {
  const rnd = new Random(seed);
  const events: Ev[] = [];
  let seq = 0;
  let now = 0;
  const at = (t: number, fn: () => void) => {
    const e = { at: t, seq: ++seq, fn };
    // Sorted insert (binary search): the event list stays small (≈ the limit).
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = events[mid]!;
      if (m.at < e.at || (m.at === e.at && m.seq < e.seq)) lo = mid + 1;
      else hi = mid;
    }
    events.splice(lo, 0, e);
  };
  let model = server;
  let busy = 0;
  const queue: (() => void)[] = [];
  const limits: { t: number; limit: number }[] = [];
  const rtts: number[] = [];
  let completed = 0;
  let refused = 0;

  const finish = (
    release: (o: ReleaseOutcome, rtt: number) => boolean,
    start: number,
    outcome: ReleaseOutcome,
  ) => {
    const rtt = now - start;
    release(outcome, rtt);
    completed++;
    if (outcome === 'ok') rtts.push(rtt);
    else refused++;
    limits.push({ t: now, limit: limiter.limit });
    if (change && completed === change.after) model = change.server;
  };
  const serve = (done: () => void) => {
    busy++;
    at(now + rnd.logNormal(model.serviceMedianMs, model.serviceSigma), () => {
      busy--;
      done();
      const next = queue.shift();
      if (next) serve(next);
      fill();
    });
  };
  const send = () => {
    const token = limiter.tryAcquire();
    if (!token) return false;
    const start = now;
    const release = token.release;
    if (busy < model.capacity) serve(() => finish(release, start, 'ok'));
    else if (queue.length < model.queueLimit) queue.push(() => finish(release, start, 'ok'));
    else
      at(now + model.refuseMs, () => {
        finish(release, start, 'dropped');
        fill();
      });
    return true;
  };
  const fill = () => {
    while (send());
  };

  fill();
  while (events.length > 0 && completed < completions) {
    const e = events.shift()!;
    now = e.at;
    e.fn();
  }
  return { limits, rtts, completed, refused };
}

/** Mean of the limit over the second half of a run (after convergence). */
export function settledLimit(r: LoopResult): number {
  const tail = r.limits.slice(Math.floor(r.limits.length / 2));
  return tail.reduce((s, x) => s + x.limit, 0) / tail.length;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

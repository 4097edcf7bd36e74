import { MinHeap } from '../../collections/src';
import { CATEGORIES, Random, type Category, type Initiation, type Paise } from '../../domain/src';
import { curveSegments, interpolate, type CurveSegment } from './curve';
import type { Topology } from './topology';
import type { AmountDist, Scenario } from './types';

/** What a client POSTs to the PSP's payment API. */
export interface PaymentBody {
  readonly payerVpa: string;
  readonly payeeVpa: string;
  readonly amountPaise: Paise;
  readonly category: Category;
  readonly initiation: Initiation;
}

export interface Arrival {
  /** When to send it, ms since the start of the run. */
  readonly atMs: number;
  readonly idempotencyKey: string;
  /** Shared with the retries of the same payment: treat as read-only. */
  readonly body: PaymentBody;
  /** Set on a client retry: the key it repeats (equal to `idempotencyKey`; the body is the same object). */
  readonly retryOfKey?: string;
}

export interface TrafficOptions {
  /**
   * Prefix of every Idempotency-Key (`<prefix>-<n>`). Default `<name>-<seed>`; give a run-unique
   * prefix when several runs hit the same long-lived PSP, or their keys would collide.
   */
  keyPrefix?: string;
  /**
   * The rate to follow instead of the scenario's curve, already scaled (payments/s), e.g. a recorded
   * per-second replay (`replaySegments`). It should cover [0, durationSec]; beyond its end nothing arrives.
   */
  segments?: readonly CurveSegment[];
}

/** Pending retry, ordered by time then by sequence, so ties break the same way every run. */
interface Pending {
  readonly atMs: number;
  readonly seq: number;
  readonly key: string;
  readonly body: PaymentBody;
}

/**
 * Open-model traffic: fresh payments arrive as a non-homogeneous Poisson process following the
 * scaled TPS curve (thinning against each linear segment's own maximum), independent of how the
 * system answers. A share of arrivals are client retries: an earlier key and body sent again a few
 * hundred ms later. Each kind of draw has its own forked stream, so adding one kind does not shift
 * the others. Pull-based: `next()` returns arrivals in time order, then null after durationSec.
 */
export class TrafficGenerator implements Iterable<Arrival> {
  private readonly timing: Random;
  private readonly pspRng: Random;
  private readonly payerRng: Random;
  private readonly payeeRng: Random;
  private readonly categoryRng: Random;
  private readonly amountRng: Random;
  private readonly retryRng: Random;
  private readonly unknownRng: Random;
  private readonly initiationRng: Random;

  private readonly segments: readonly CurveSegment[];
  /** Fresh payments are offered at (1 - retryShare) of the curve so that with retries the total follows it. */
  private readonly freshFactor: number;
  /** Chance that a fresh payment is retried: r/(1-r) retries per fresh one makes r of all arrivals retries. */
  private readonly retryChance: number;
  private readonly endMs: number;
  private readonly pspCum: Float64Array;
  private readonly pspVpas: (readonly string[])[];
  private readonly categoryCum: Float64Array;
  private readonly amountByCategory: AmountDist[];
  private readonly handleList: string[];
  private readonly keyPrefix: string;

  private seg = 0;
  private tSec = 0;
  private nextFresh: Arrival | null | undefined;
  private seq = 0;
  private unknownSeq = 0;
  private readonly retries = new MinHeap<Pending>(before);

  constructor(
    private readonly s: Scenario,
    private readonly topo: Topology,
    options: TrafficOptions = {},
  ) {
    const root = new Random(s.seed).fork('traffic');
    this.timing = root.fork('timing');
    this.pspRng = root.fork('psp');
    this.payerRng = root.fork('payer');
    this.payeeRng = root.fork('payee');
    this.categoryRng = root.fork('category');
    this.amountRng = root.fork('amount');
    this.retryRng = root.fork('retry');
    this.unknownRng = root.fork('unknown-payee');
    this.initiationRng = root.fork('initiation');

    const tr = s.traffic;
    this.segments = options.segments ?? curveSegments(s);
    this.freshFactor = 1 - tr.retryShare;
    this.retryChance = tr.retryShare / (1 - tr.retryShare);
    this.endMs = s.durationSec * 1000;
    this.pspCum = cumulative(topo.psps.map((p) => p.share));
    this.pspVpas = topo.psps.map((p) => p.vpas);
    this.categoryCum = cumulative(CATEGORIES.map((c) => tr.categoryMix[c] ?? 0));
    this.amountByCategory = CATEGORIES.map((c) => tr.amount.byCategory[c] ?? tr.amount);
    this.handleList = [...topo.handles.keys()];
    this.keyPrefix = options.keyPrefix ?? `${s.name}-${s.seed}`;
  }

  /** The next arrival in time order, or null when the run's duration is over. */
  next(): Arrival | null {
    if (this.nextFresh === undefined) this.nextFresh = this.fresh();
    const fresh = this.nextFresh;
    const retry = this.retries.peek();
    if (retry !== undefined && (fresh === null || retry.atMs < fresh.atMs)) {
      this.retries.pop();
      return { atMs: retry.atMs, idempotencyKey: retry.key, body: retry.body, retryOfKey: retry.key };
    }
    if (fresh === null) return null;
    this.nextFresh = undefined;
    return fresh;
  }

  *[Symbol.iterator](): Iterator<Arrival> {
    for (let a = this.next(); a !== null; a = this.next()) yield a;
  }

  private fresh(): Arrival | null {
    const atSec = this.nextFreshTime();
    if (atSec === null) return null;
    const atMs = atSec * 1000;
    const key = `${this.keyPrefix}-${++this.seq}`;
    const body = this.body();
    if (this.retryRng.chance(this.retryChance)) {
      const { min, max } = this.s.traffic.retryDelayMs;
      const retryAt = atMs + min + this.retryRng.next() * (max - min);
      if (retryAt < this.endMs) this.retries.push({ atMs: retryAt, seq: this.seq, key, body });
    }
    return { atMs, idempotencyKey: key, body };
  }

  /** Thinning, one linear segment at a time: candidates at the segment's peak rate, kept with probability rate/peak. */
  private nextFreshTime(): number | null {
    while (this.seg < this.segments.length) {
      const seg = this.segments[this.seg]!;
      const peak = Math.max(seg.fromTps, seg.toTps) * this.freshFactor;
      if (peak > 0) {
        this.tSec += this.timing.exponential(1 / peak);
        if (this.tSec < seg.toSec) {
          if (this.timing.next() * peak < interpolate(seg, this.tSec) * this.freshFactor) return this.tSec;
          continue;
        }
      }
      // Poisson gaps are memoryless, so restarting at the boundary with the next segment's peak is exact.
      this.tSec = seg.toSec;
      this.seg++;
    }
    return null;
  }

  private body(): PaymentBody {
    const pspIdx = pickCum(this.pspCum, this.pspRng.next());
    const payers = this.pspVpas[pspIdx]!;
    const payerVpa = payers[this.payerRng.int(payers.length)]!;
    let payeeVpa: string;
    if (this.unknownRng.chance(this.s.traffic.unknownPayeeShare)) {
      // A well-formed VPA on a real handle that no account owns: the payee PSP cannot resolve it.
      payeeVpa = `x${++this.unknownSeq}@${this.handleList[this.unknownRng.int(this.handleList.length)]!}`;
    } else {
      const payees = this.topo.payees;
      do payeeVpa = payees[this.payeeRng.int(payees.length)]!;
      while (payeeVpa === payerVpa);
    }
    const catIdx = pickCum(this.categoryCum, this.categoryRng.next());
    const dist = this.amountByCategory[catIdx]!;
    const raw = this.amountRng.logNormal(dist.medianPaise, dist.sigma);
    const amountPaise = Math.min(this.s.topology.switch.txnLimitPaise, Math.max(100, Math.round(raw)));
    const initiation: Initiation = this.initiationRng.chance(this.s.traffic.systemInitiatedShare)
      ? 'SYSTEM'
      : 'CUSTOMER';
    return { payerVpa, payeeVpa, amountPaise, category: CATEGORIES[catIdx]!, initiation };
  }
}

function before(a: Pending, b: Pending): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/** Normalised cumulative weights, for picking an index with one uniform draw. */
function cumulative(weights: readonly number[]): Float64Array {
  const total = weights.reduce((a, w) => a + w, 0);
  const out = new Float64Array(weights.length);
  let acc = 0;
  weights.forEach((w, i) => (out[i] = acc += w / total));
  out[weights.length - 1] = 1;
  return out;
}

function pickCum(cum: Float64Array, u: number): number {
  for (let i = 0; i < cum.length; i++) if (u < cum[i]!) return i;
  return cum.length - 1;
}

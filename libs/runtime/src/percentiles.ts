/** Exact percentiles by nearest rank over a sample (sorted in place). */
export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export function summarise(samples: number[]): LatencySummary {
  const n = samples.length;
  if (n === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const s = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i]!;
  return {
    count: n,
    mean: round(sum / n),
    p50: rank(s, 0.5),
    p95: rank(s, 0.95),
    p99: rank(s, 0.99),
    max: round(s[n - 1]!),
  };
}

export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return 0;
  return rank(Float64Array.from(samples).sort(), q);
}

function rank(sorted: Float64Array, q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return round(sorted[i]!);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * Log-linear latency histogram (HDR-style) of fixed size: in 0.01 ms units (the precision results
 * are rounded to), values below 1.28 ms get buckets 0.01 ms wide; above, every power of two is split
 * into 64 buckets, so a bucket spans at most 1/64 of its lower bound and its midpoint is within
 * 0.8 % of any value in it (±0.005 ms below 1.28 ms). Count, mean and max stay exact; percentiles are the
 * nearest-rank bucket's midpoint, clamped to the observed min and max. Deterministic, so a seeded
 * run gives the same bytes; memory does not grow with the number of samples.
 */
export class LatencyHistogram {
  private counts = new Float64Array(64 * 8);
  /** Highest bucket index used (for cheap iteration and reset). */
  private top = -1;
  private n = 0;
  private sum = 0;
  private lo = Infinity;
  private hi = -Infinity;

  get count(): number {
    return this.n;
  }

  record(ms: number): void {
    const i = bucketOf(ms);
    if (i >= this.counts.length) {
      const grown = new Float64Array(Math.max(i + 1, this.counts.length * 2));
      grown.set(this.counts);
      this.counts = grown;
    }
    this.counts[i]!++;
    if (i > this.top) this.top = i;
    this.n++;
    this.sum += ms;
    if (ms < this.lo) this.lo = ms;
    if (ms > this.hi) this.hi = ms;
  }

  /** Nearest-rank percentile estimate (0 when empty), rounded as `percentile` rounds. */
  percentile(q: number): number {
    if (this.n === 0) return 0;
    const rank = Math.min(this.n, Math.max(1, Math.ceil(q * this.n)));
    let seen = 0;
    for (let i = 0; i <= this.top; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return round(Math.min(this.hi, Math.max(this.lo, midpointOf(i))));
    }
    return round(this.hi);
  }

  summary(): LatencySummary {
    if (this.n === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
    return {
      count: this.n,
      mean: round(this.sum / this.n),
      p50: this.percentile(0.5),
      p95: this.percentile(0.95),
      p99: this.percentile(0.99),
      max: round(this.hi),
    };
  }

  /** Empties the histogram, keeping its buckets' memory. */
  reset(): void {
    this.counts.fill(0, 0, this.top + 1);
    this.top = -1;
    this.n = 0;
    this.sum = 0;
    this.lo = Infinity;
    this.hi = -Infinity;
  }
}

const SUB = 64;

function bucketOf(ms: number): number {
  const x = Math.max(0, ms * 100);
  if (x < 2 * SUB) return Math.floor(x);
  const e = Math.floor(Math.log2(x)) - 6; // x / 2^e lies in [64, 128)
  return e * SUB + Math.floor(x / 2 ** e);
}

/** The middle of bucket `i`, in ms. */
function midpointOf(i: number): number {
  if (i < 2 * SUB) return (i + 0.5) / 100;
  const e = Math.floor(i / SUB) - 1;
  const m = i - e * SUB; // in [64, 128)
  return ((m + 0.5) * 2 ** e) / 100;
}

import { build, type Histogram } from 'hdr-histogram-js';

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
 * A latency histogram of bounded size (HdrHistogram, 3 significant digits, in 0.01 ms units: the
 * precision results are rounded to), so a run's memory does not grow with its payments. Count,
 * mean and max stay exact; percentiles are HdrHistogram's nearest-rank estimates (within 0.1 %),
 * clamped to the observed min and max. Deterministic: a seeded run gives the same bytes.
 */
export class LatencyHistogram {
  private readonly h: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2 * 60_000 * UNITS_PER_MS,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
    useWebAssembly: false,
  });
  private n = 0;
  private sum = 0;
  private lo = Infinity;
  private hi = -Infinity;

  get count(): number {
    return this.n;
  }

  record(ms: number): void {
    this.h.recordValue(Math.max(0, Math.round(ms * UNITS_PER_MS)));
    this.n++;
    this.sum += ms;
    if (ms < this.lo) this.lo = ms;
    if (ms > this.hi) this.hi = ms;
  }

  /** Nearest-rank percentile estimate (0 when empty), rounded as `percentile` rounds. */
  percentile(q: number): number {
    if (this.n === 0) return 0;
    const v = this.h.getValueAtPercentile(q * 100) / UNITS_PER_MS;
    return round(Math.min(this.hi, Math.max(this.lo, v)));
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
    this.h.reset();
    this.n = 0;
    this.sum = 0;
    this.lo = Infinity;
    this.hi = -Infinity;
  }
}

/** Histogram units per millisecond: results carry latencies to 0.01 ms. */
const UNITS_PER_MS = 100;

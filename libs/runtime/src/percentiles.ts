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

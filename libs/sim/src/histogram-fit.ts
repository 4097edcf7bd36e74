/**
 * Per-stage latency from the live services' Prometheus histograms (`upi_stage_latency_seconds`,
 * docs/metrics.md): parse a `/metrics` scrape, take the difference of two scrapes (what one
 * calibration rate added), read quantiles off the cumulative buckets and fit a log-normal through
 * the median and the 99th percentile.
 */

/** z of the 99th percentile of the standard normal. */
export const Z99 = 2.3263478740408408;

/** A log-normal latency given by two quantiles (the model file's form). */
export interface LogNormalSpec {
  readonly medianMs: number;
  readonly p99Ms: number;
}

/** One histogram series: cumulative counts per upper bound (seconds; the last is +Inf). */
export interface Histogram {
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
  readonly count: number;
  readonly sum: number;
}

/**
 * The histogram `name` with label `label="value"` from Prometheus text, summed over any other
 * labels and over several scrapes (e.g. every switch replica and PSP); empty when absent.
 */
export function parseHistogram(
  texts: string | readonly string[],
  name: string,
  label?: [string, string],
): Histogram {
  const byLe = new Map<number, number>();
  let count = 0;
  let sum = 0;
  const want = label ? `${label[0]}="${label[1]}"` : null;
  for (const text of typeof texts === 'string' ? [texts] : texts) {
    for (const line of text.split('\n')) {
      if (!line.startsWith(name) || line.startsWith('#')) continue;
      const m = /^(\w+)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
      if (!m) continue;
      const [, series, labels = '', value] = m;
      if (want && !labels.split(',').includes(want)) continue;
      const v = Number(value);
      if (!Number.isFinite(v)) continue;
      if (series === `${name}_bucket`) {
        const le = /le="([^"]+)"/.exec(labels)?.[1];
        if (le === undefined) continue;
        const bound = le === '+Inf' ? Infinity : Number(le);
        byLe.set(bound, (byLe.get(bound) ?? 0) + v);
      } else if (series === `${name}_count`) count += v;
      else if (series === `${name}_sum`) sum += v;
    }
  }
  const buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, c]) => ({ le, count: c }));
  return { buckets, count, sum };
}

/** `after − before`: what happened between two scrapes of the same processes. */
export function histogramDelta(after: Histogram, before: Histogram): Histogram {
  const prev = new Map(before.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: after.buckets.map((b) => ({ le: b.le, count: Math.max(0, b.count - (prev.get(b.le) ?? 0)) })),
    count: Math.max(0, after.count - before.count),
    sum: Math.max(0, after.sum - before.sum),
  };
}

/**
 * The q-quantile in milliseconds, interpolated inside its bucket (log-linearly, as latencies are
 * roughly log-normal; linearly in the first bucket, from 0). NaN for an empty histogram; a
 * quantile in the +Inf bucket gives the largest finite bound.
 */
export function histogramQuantileMs(h: Histogram, q: number): number {
  const total = h.buckets.length ? h.buckets[h.buckets.length - 1]!.count : 0;
  if (total <= 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank && b.count > prevCount) {
      if (!Number.isFinite(b.le)) return prevLe * 1000;
      const f = (rank - prevCount) / (b.count - prevCount);
      const sec = prevLe > 0 ? prevLe * Math.pow(b.le / prevLe, f) : b.le * f;
      return sec * 1000;
    }
    prevLe = Number.isFinite(b.le) ? b.le : prevLe;
    prevCount = b.count;
  }
  return prevLe * 1000;
}

/**
 * The log-normal that best matches a histogram's cumulative counts (least squares on the CDF at
 * every finite bound), given as its median and 99th percentile; null when it holds nothing.
 * Reading the quantiles straight off the buckets is only a starting point: the buckets are ×2–2.5
 * wide, so interpolating inside one is off by up to a quarter in the tail.
 */
export function fitLogNormal(h: Histogram): LogNormalSpec | null {
  const medianMs = histogramQuantileMs(h, 0.5);
  const p99Ms = histogramQuantileMs(h, 0.99);
  if (!Number.isFinite(medianMs) || !Number.isFinite(p99Ms) || medianMs <= 0) return null;
  const total = h.buckets[h.buckets.length - 1]!.count;
  const points = h.buckets
    .filter((b) => Number.isFinite(b.le) && b.le > 0)
    .map((b) => ({ x: Math.log(b.le * 1000), f: b.count / total }));
  const loss = (mu: number, sigma: number) =>
    points.reduce((a, p) => a + (normalCdf((p.x - mu) / sigma) - p.f) ** 2, 0);
  let mu = Math.log(medianMs);
  let sigma = Math.max(Math.log(Math.max(p99Ms, medianMs * 1.01) / medianMs) / Z99, 0.01);
  let best = loss(mu, sigma);
  // Pattern search on (μ, log σ): deterministic, and a few hundred evaluations of a dozen points.
  for (let step = 0.5; step > 1e-4; step /= 2) {
    let moved = true;
    while (moved) {
      moved = false;
      for (const [dm, ds] of [
        [step, 0],
        [-step, 0],
        [0, step],
        [0, -step],
      ] as const) {
        const m2 = mu + dm;
        const s2 = sigma * Math.exp(ds);
        const l = loss(m2, s2);
        if (l < best - 1e-12) {
          best = l;
          mu = m2;
          sigma = s2;
          moved = true;
        }
      }
    }
  }
  const median = Math.exp(mu);
  return { medianMs: round(median), p99Ms: round(median * Math.exp(Z99 * sigma)) };
}

/** σ of the log-normal through (median, p99); 0 for a constant. */
export function sigmaOf(s: LogNormalSpec): number {
  return s.p99Ms > s.medianMs ? Math.log(s.p99Ms / s.medianMs) / Z99 : 0;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf), for building expected histograms. */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

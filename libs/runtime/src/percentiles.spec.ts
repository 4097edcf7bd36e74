import { LatencyHistogram, percentile, summarise } from './percentiles';
import { Random } from '../../domain/src';

describe('LatencyHistogram', () => {
  test('percentiles are within 1 % (or 0.01 ms) of the exact nearest-rank ones', () => {
    const rng = new Random(7);
    for (const spread of [0.5, 1.5, 3]) {
      const xs: number[] = [];
      const h = new LatencyHistogram();
      for (let i = 0; i < 20_000; i++) {
        // Log-normal latencies from ~0.01 ms to minutes, with ties at 0.01 ms resolution too.
        const x = Math.round(200 * Math.exp(spread * rng.normal()) * 100) / 100;
        xs.push(x);
        h.record(x);
      }
      const exact = summarise([...xs]);
      const est = h.summary();
      expect(est.count).toBe(exact.count);
      expect(est.mean).toBe(exact.mean);
      expect(est.max).toBe(exact.max);
      for (const q of [0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999]) {
        const e = percentile(xs, q);
        const got = h.percentile(q);
        expect(Math.abs(got - e)).toBeLessThanOrEqual(Math.max(0.01 * e, 0.01) + 1e-9);
      }
    }
  });

  test('every value from 1.28 ms to an hour lands within 0.1 % (plus the 0.01 ms rounding) of its estimate', () => {
    let worst = 0;
    for (let v = 1.28; v < 3.6e6; v *= 1.0013) {
      const h = new LatencyHistogram();
      h.record(v);
      h.record(v * 1e6); // so the estimate is not clamped to the one value seen
      const got = h.percentile(0.5);
      worst = Math.max(worst, Math.abs(got - v) / v);
    }
    expect(worst).toBeLessThan(0.001 + 0.005 / 1.28);
    expect(worst).toBeGreaterThan(0); // a bucketed estimate, not an exact one
  });

  test('empty, one value, reset', () => {
    const h = new LatencyHistogram();
    expect(h.summary()).toEqual({ count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
    h.record(123.45);
    expect(h.summary()).toEqual({
      count: 1,
      mean: 123.45,
      p50: 123.45,
      p95: 123.45,
      p99: 123.45,
      max: 123.45,
    });
    h.reset();
    expect(h.count).toBe(0);
    expect(h.percentile(0.99)).toBe(0);
  });
});

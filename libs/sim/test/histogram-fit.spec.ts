import {
  fitHopInSum,
  fitLogNormal,
  histogramDelta,
  histogramQuantileMs,
  linksFromStages,
  loadCurve,
  normalCdf,
  simulate,
  parseHistogram,
  validateSimModel,
  SimModelError,
  Z99,
} from '../src';
import { Random } from '../../domain/src';
import { tinyScenario } from './fixtures';

/** The services' latency buckets (docs/metrics.md), in seconds. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30];

/** Prometheus text of a histogram holding `n` samples of the log-normal (median, sigma), exactly by its CDF. */
function syntheticScrape(stage: string, medianMs: number, sigma: number, n: number): string {
  const lines = [`# TYPE upi_stage_latency_seconds histogram`];
  for (const le of BUCKETS) {
    const c = Math.round(n * normalCdf(Math.log((le * 1000) / medianMs) / sigma));
    lines.push(`upi_stage_latency_seconds_bucket{le="${le}",stage="${stage}"} ${c}`);
  }
  lines.push(`upi_stage_latency_seconds_bucket{le="+Inf",stage="${stage}"} ${n}`);
  lines.push(`upi_stage_latency_seconds_sum{stage="${stage}"} 1`);
  lines.push(`upi_stage_latency_seconds_count{stage="${stage}"} ${n}`);
  return lines.join('\n');
}

describe('stage histograms', () => {
  it.each([
    [30, 0.5],
    [8, 0.9],
    [150, 0.4],
  ])('recovers a log-normal of median %d ms, sigma %d from its buckets', (medianMs, sigma) => {
    const h = parseHistogram(
      syntheticScrape('bank_prepare', medianMs, sigma, 100_000),
      'upi_stage_latency_seconds',
      ['stage', 'bank_prepare'],
    );
    const fit = fitLogNormal(h)!;
    // Fitted to the CDF at every bound, the coarse buckets (×2–2.5) still pin both within 10 %.
    expect(fit.medianMs / medianMs).toBeGreaterThan(0.9);
    expect(fit.medianMs / medianMs).toBeLessThan(1.1);
    const p99 = medianMs * Math.exp(Z99 * sigma);
    expect(fit.p99Ms / p99).toBeGreaterThan(0.9);
    expect(fit.p99Ms / p99).toBeLessThan(1.1);
  });

  it('sums series across processes, keeps only the asked label, and subtracts an earlier scrape', () => {
    const a = syntheticScrape('raft_commit', 5, 0.5, 1000);
    const other = syntheticScrape('queue_wait', 500, 0.1, 1000);
    const h = parseHistogram([a, a, other], 'upi_stage_latency_seconds', ['stage', 'raft_commit']);
    expect(h.count).toBe(2000);
    expect(h.buckets[h.buckets.length - 1]).toEqual({ le: Infinity, count: 2000 });
    const before = parseHistogram(a, 'upi_stage_latency_seconds', ['stage', 'raft_commit']);
    const d = histogramDelta(h, before);
    expect(d.count).toBe(1000);
    expect(histogramQuantileMs(d, 0.5)).toBeCloseTo(histogramQuantileMs(before, 0.5), 6);
    expect(fitLogNormal(histogramDelta(before, before))).toBeNull();
  });

  it('takes the banks’ own latency out of bank_prepare, deterministically', () => {
    const hop = { medianMs: 10, sigma: 0.6 };
    const rng = new Random(3);
    const xs = Array.from(
      { length: 20000 },
      () =>
        hop.medianMs * Math.exp(hop.sigma * rng.normal()) * 1 +
        hop.medianMs * Math.exp(hop.sigma * rng.normal()) +
        rng.logNormal(20, 0.4),
    );
    xs.sort((a, b) => a - b);
    const target = { medianMs: xs[10000]!, p99Ms: xs[19800]! };
    const fit = fitHopInSum(target, 2, (r) => r.logNormal(20, 0.4));
    expect(fit.medianMs).toBeGreaterThan(8);
    expect(fit.medianMs).toBeLessThan(12);
    const p99 = hop.medianMs * Math.exp(Z99 * hop.sigma);
    expect(fit.p99Ms / p99).toBeGreaterThan(0.75);
    expect(fit.p99Ms / p99).toBeLessThan(1.25);
    expect(fitHopInSum(target, 2, (r) => r.logNormal(20, 0.4))).toEqual(fit);
  });

  it('derives links and the Raft commit from stage fits into a valid model', () => {
    const parts = linksFromStages(
      {
        queue_wait: { medianMs: 5, p99Ms: 20 },
        raft_commit: { medianMs: 3, p99Ms: 12 },
        bank_prepare: { medianMs: 60, p99Ms: 200 },
        bank_commit: { medianMs: 60, p99Ms: 200 },
      },
      tinyScenario(),
      { medianMs: 250, p99Ms: 700 },
    );
    expect(parts.raftCommit).toEqual({ medianMs: 3, p99Ms: 12 });
    expect(parts.links.bank!.medianMs).toBeGreaterThan(5);
    expect(parts.links.psp.medianMs).toBeGreaterThan(0);
    expect(() =>
      validateSimModel({ version: 1, links: parts.links, raft: { commit: parts.raftCommit } }),
    ).not.toThrow();
  });
});

describe('model file: measured links and Raft commit', () => {
  it('accepts links and raft.commit, and an old hop-only file still loads', () => {
    expect(
      validateSimModel({
        version: 1,
        links: { psp: { medianMs: 40, p99Ms: 300 }, bank: { medianMs: 10, p99Ms: 80 } },
        raft: { commit: { medianMs: 4, p99Ms: 20 } },
      }).links?.psp?.p99Ms,
    ).toBe(300);
    expect(
      validateSimModel({ version: 1, hop: { medianMs: 32, p99Ms: 192 }, raft: { fsyncMs: 0 } }).raft?.fsyncMs,
    ).toBe(0);
  });

  it.each([
    [{ version: 1, links: { kafka: { medianMs: 1, p99Ms: 2 } } }, /links.kafka: unknown field/],
    [{ version: 1, links: { psp: { medianMs: 0, p99Ms: 2 } } }, /links.psp.medianMs: must be a number > 0/],
    [{ version: 1, links: { bank: { medianMs: 5, p99Ms: 2 } } }, /links.bank.p99Ms: must be >= medianMs/],
    [{ version: 1, raft: {} }, /raft: needs fsyncMs or commit/],
    [{ version: 1, raft: { commit: 3 } }, /raft.commit: must be an object/],
  ])('rejects %j', (raw, message) => {
    expect(() => validateSimModel(raw, 'm.json')).toThrow(SimModelError);
    expect(() => validateSimModel(raw, 'm.json')).toThrow(message);
  });
});

describe('load-dependent links', () => {
  it('derives the slow-down per rate from the measured parts, 1 at the lowest rate', () => {
    const parts = (k: number) => ({
      links: { psp: { medianMs: 10 * k, p99Ms: 40 * k }, bank: { medianMs: 4 * k, p99Ms: 20 * k } },
      raftCommit: { medianMs: 2 * k, p99Ms: 8 * k },
    });
    expect(
      loadCurve([
        { ratePerSec: 100, parts: parts(2) },
        { ratePerSec: 50, parts: parts(1) },
      ]),
    ).toEqual([
      { ratePerSec: 50, factor: 1 },
      { ratePerSec: 100, factor: 2 },
    ]);
  });

  it('never lets more load make the links faster (host noise keeps the lower rate’s factor)', () => {
    const parts = (k: number) => ({ links: { psp: { medianMs: 10 * k, p99Ms: 40 * k } } });
    expect(
      loadCurve([
        { ratePerSec: 50, parts: parts(1) },
        { ratePerSec: 75, parts: parts(1.5) },
        { ratePerSec: 100, parts: parts(0.8) },
      ])!.map((p) => p.factor),
    ).toEqual([1, 1.5, 1.5]);
  });

  it('slows the measured links in simulation by the factor at the offered rate, same bytes each time', async () => {
    const s = tinyScenario({ durationSec: 3 });
    const base = {
      version: 1 as const,
      links: { psp: { medianMs: 20, p99Ms: 60 }, bank: { medianMs: 10, p99Ms: 30 } },
      raft: { commit: { medianMs: 5, p99Ms: 15 } },
    };
    const plain = await simulate(s, { model: base });
    const slow = { ...base, load: [{ ratePerSec: 40, factor: 3 }] };
    const slowed = await simulate(s, { model: slow });
    expect(slowed.latencyMs.overall.p50).toBeGreaterThan(plain.latencyMs.overall.p50 * 1.8);
    expect(JSON.stringify(await simulate(s, { model: slow }))).toBe(JSON.stringify(slowed));
  });

  it.each([
    [{ version: 1, load: [] }, /load: must be a non-empty list/],
    [{ version: 1, load: [{ ratePerSec: 50, factor: 0 }] }, /load\[0\].factor: must be a number > 0/],
    [
      {
        version: 1,
        load: [
          { ratePerSec: 50, factor: 1 },
          { ratePerSec: 40, factor: 2 },
        ],
      },
      /load\[1\].ratePerSec: must be above the previous/,
    ],
  ])('rejects %j', (raw, message) => {
    expect(() => validateSimModel(raw, 'm.json')).toThrow(message);
  });
});

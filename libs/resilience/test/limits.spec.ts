import {
  AimdLimit,
  ConcurrencyLimiter,
  GradientLimit,
  limitSettings,
  type AimdSettings,
  type GradientSettings,
} from '../src';
import { percentile, runClosedLoop, settledLimit, type ServerModel } from './closed-loop';

const aimd = (s: Partial<AimdSettings> = {}) =>
  new AimdLimit(limitSettings({ algorithm: 'aimd', ...s }) as AimdSettings);
const gradient = (s: Partial<GradientSettings> = {}) =>
  new GradientLimit(limitSettings({ algorithm: 'gradient', ...s }) as GradientSettings);

describe('AimdLimit', () => {
  it('adds one per success while the limit is in use, and not while the caller is idle', () => {
    const l = aimd({ initialLimit: 10 });
    l.onSample(20, 5, false);
    expect(l.limit).toBe(11);
    l.onSample(20, 2, false); // 2 × 2 < 11: application-limited
    expect(l.limit).toBe(11);
  });

  it('backs off multiplicatively on a drop and on a success slower than timeoutMs, within min..max', () => {
    const l = aimd({ initialLimit: 100, backoffRatio: 0.8, timeoutMs: 500, minLimit: 50, maxLimit: 101 });
    l.onSample(20, 100, true);
    expect(l.limit).toBeCloseTo(80);
    l.onSample(501, 80, false);
    expect(l.limit).toBeCloseTo(64);
    l.onSample(501, 64, false);
    l.onSample(501, 64, false);
    expect(l.limit).toBe(50);
    for (let i = 0; i < 100; i++) l.onSample(20, 100, false);
    expect(l.limit).toBe(101);
  });
});

describe('GradientLimit', () => {
  const window = (l: GradientLimit, rtt: number, inflight: number, dropped = false) => {
    const n = Math.max(10, Math.floor(l.limit));
    for (let i = 0; i < n; i++) l.onSample(rtt, inflight, dropped);
  };

  it('grows by the queue allowance while latency stays at its baseline', () => {
    const l = gradient({ initialLimit: 20, probeInterval: 0 });
    const before = l.limit;
    for (let i = 0; i < 5; i++) window(l, 50, Math.ceil(l.limit));
    expect(l.limit).toBeGreaterThan(before + 3);
    expect(l.baselineRttMs).toBe(50);
  });

  it('shrinks when latency rises beyond the tolerance, and on drops', () => {
    const l = gradient({ initialLimit: 100, probeInterval: 0, rttTolerance: 1.5 });
    window(l, 50, 100);
    const atBaseline = l.limit;
    window(l, 150, 100); // 3× the baseline: gradient 0.5
    expect(l.limit).toBeLessThan(atBaseline * 0.95);
    const afterLatency = l.limit;
    window(l, 50, 100, true);
    expect(l.limit).toBeLessThan(afterLatency * 0.95);
  });

  it('keeps the limit when the caller uses less than half of it', () => {
    const l = gradient({ initialLimit: 100, probeInterval: 0 });
    window(l, 50, 100);
    const before = l.limit;
    window(l, 500, 10);
    expect(l.limit).toBe(before);
  });

  it('cuts the limit below capacity to re-measure the baseline, then restores it', () => {
    const l = gradient({ initialLimit: 40, probeInterval: 3, queueSize: 4, rttTolerance: 1.5 });
    for (let i = 0; i < 3; i++) window(l, 50, Math.ceil(l.limit));
    expect(l.probing).toBe('drain');
    const cut = l.limit;
    // Legs sent before the cut finish with the old queue's RTT: ignored…
    let drained = 0;
    while (l.probing === 'drain') {
      l.onSample(400, 50, false);
      drained++;
    }
    expect(drained).toBeGreaterThan(30);
    expect(l.baselineRttMs).toBe(50);
    // …then one window at the cut limit measures the new no-load RTT.
    expect(l.probing).toBe('measure');
    let measured = 0;
    while (l.probing === 'measure') {
      l.onSample(80, 10, false);
      measured++;
    }
    expect(measured).toBe(Math.max(10, Math.floor(cut)));
    expect(cut).toBeLessThan(l.limit / 2);
    expect(l.baselineRttMs).toBe(80);
  });
});

describe('ConcurrencyLimiter', () => {
  it('admits up to floor(limit) legs, counts refusals, and releases each token once', () => {
    const lim = ConcurrencyLimiter.of(limitSettings({ algorithm: 'aimd', initialLimit: 3, maxLimit: 3 }));
    const tokens = [lim.tryAcquire(), lim.tryAcquire(), lim.tryAcquire()];
    expect(tokens.every((t) => t !== null)).toBe(true);
    expect(lim.tryAcquire()).toBeNull();
    expect(lim.rejected).toBe(1);
    expect(lim.inflight).toBe(3);
    expect(tokens[0]!.release('ok', 10)).toBe(true);
    expect(tokens[0]!.release('ok', 10)).toBe(false);
    expect(lim.inflight).toBe(2);
    expect(() => tokens[1]!.release('ok', Number.NaN)).toThrow(RangeError);
    expect(lim.inflight).toBe(2); // a bad sample changes nothing
    expect(tokens[1]!.release('ignore', Number.NaN)).toBe(true);
    expect(lim.inflight).toBe(1);
  });

  it('shrinks on dropped releases but not on ignored ones', () => {
    const lim = ConcurrencyLimiter.of(limitSettings({ algorithm: 'aimd', initialLimit: 10 }));
    lim.tryAcquire()!.release('ignore', 0);
    expect(lim.limit).toBe(10);
    lim.tryAcquire()!.release('dropped', 0);
    expect(lim.limit).toBe(9);
  });
});

describe('closed loop against a destination of known capacity (seeded)', () => {
  const server = (capacity: number, queueLimit: number): ServerModel => ({
    capacity,
    serviceMedianMs: 20,
    serviceSigma: 0.3,
    queueLimit,
    refuseMs: 1,
  });

  it('AIMD converges near the capacity of a bank that refuses beyond a short queue', () => {
    for (const seed of [1, 2, 3]) {
      const C = 50;
      const lim = ConcurrencyLimiter.of(limitSettings({ algorithm: 'aimd', initialLimit: 5 }));
      const r = runClosedLoop(lim, server(C, 0.2 * C), seed, 30_000);
      const settled = settledLimit(r);
      expect(settled).toBeGreaterThan(0.8 * C);
      expect(settled).toBeLessThan(1.3 * C);
    }
  });

  it('gradient converges near tolerance × capacity + queueSize on latency alone, keeping p99 bounded', () => {
    for (const [C, seed] of [
      [10, 1],
      [50, 2],
      [50, 3],
    ] as const) {
      const lim = ConcurrencyLimiter.of(limitSettings({ algorithm: 'gradient', initialLimit: 5 }));
      const r = runClosedLoop(lim, server(C, Infinity), seed, 30_000);
      const settled = settledLimit(r);
      expect(r.refused).toBe(0); // no drops: the only signal was latency
      expect(settled).toBeGreaterThan(C);
      expect(settled).toBeLessThan(1.5 * C + 4 + 0.25 * C);
      // Without a limit the queue (and RTT) would grow without end; here it stays near 1.5× service.
      expect(percentile(r.rtts.slice(-5000), 0.5)).toBeLessThan(2 * 20);
    }
  });

  it('gradient follows a bank that loses capacity, and one that gets slower for good', () => {
    const C = 50;
    const fast = server(C, Infinity);
    const lost = runClosedLoop(
      ConcurrencyLimiter.of(limitSettings({ algorithm: 'gradient', initialLimit: 5 })),
      fast,
      4,
      40_000,
      { after: 15_000, server: server(10, Infinity) },
    );
    expect(settledLimit(lost)).toBeLessThan(1.5 * 10 + 4 + 5);

    const slow = { ...fast, serviceMedianMs: 60 };
    const run = (probeInterval: number) =>
      runClosedLoop(
        ConcurrencyLimiter.of(limitSettings({ algorithm: 'gradient', initialLimit: 5, probeInterval })),
        fast,
        5,
        40_000,
        { after: 15_000, server: slow },
      );
    // Same concurrency, three times the service time: the limit should stay near 1.5 C + 4…
    expect(settledLimit(run(100))).toBeGreaterThan(C);
    // …which it does only because the baseline is re-measured: without probes it is throttled.
    expect(settledLimit(run(0))).toBeLessThan(0.5 * C);
  });

  it('replays exactly for a seed', () => {
    const go = () =>
      runClosedLoop(
        ConcurrencyLimiter.of(limitSettings({ algorithm: 'gradient' })),
        server(20, Infinity),
        9,
        5_000,
      ).limits;
    expect(go()).toEqual(go());
  });
});

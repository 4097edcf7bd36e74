import { join } from 'node:path';
import { CATEGORIES } from '../../domain/src';
import {
  buildTopology,
  expectedArrivals,
  loadScenario,
  rateAt,
  TrafficGenerator,
  type Arrival,
  type Scenario,
  type ScenarioOverrides,
} from '.';

const dir = join(__dirname, '../../../scenarios');

function load(name: string, o: ScenarioOverrides = {}): Scenario {
  return loadScenario(join(dir, `${name}.yaml`), o);
}

function all(s: Scenario): Arrival[] {
  return [...new TrafficGenerator(s, buildTopology(s))];
}

/** |observed - expected| within k standard deviations of a Poisson (or binomial) count. */
function within(observed: number, expected: number, sd: number, k = 4.5): boolean {
  return Math.abs(observed - expected) <= k * sd + 1;
}

describe('rateAt', () => {
  it('interpolates the curve linearly, flat outside it, times scale', () => {
    const s = load('nye');
    expect(rateAt(s, 0)).toBeCloseTo(12000 * 0.012, 9);
    expect(rateAt(s, 15.25)).toBeCloseTo(300, 9);
    expect(rateAt(s, (15.25 + 17.5) / 2)).toBeCloseTo(((25000 + 22000) / 2) * 0.012, 9);
    expect(rateAt(s, 60)).toBeCloseTo(96, 9);
    expect(rateAt(s, 1000)).toBeCloseTo(96, 9);
    const smoke = load('smoke');
    expect(rateAt(smoke, 2.5)).toBeCloseTo(45, 9);
  });
});

describe('TrafficGenerator', () => {
  const nye = load('nye', { scale: 0.04 }); // ~34k arrivals: enough for tight statistical checks
  const arrivals = all(nye);
  const topo = buildTopology(nye);

  it('is deterministic: same scenario and seed, identical sequence; another seed differs', () => {
    const s = load('smoke');
    const a = all(s);
    const b = all(load('smoke'));
    expect(b).toEqual(a);
    expect(a.length).toBeGreaterThan(500);
    const c = all(load('smoke', { seed: 8 }));
    expect(c.slice(0, 20)).not.toEqual(a.slice(0, 20));
  });

  it('returns arrivals in time order within the duration, then null for good', () => {
    const s = load('smoke');
    const g = new TrafficGenerator(s, buildTopology(s));
    let last = -1;
    let n = 0;
    for (let a = g.next(); a !== null; a = g.next(), n++) {
      expect(a.atMs).toBeGreaterThanOrEqual(last);
      expect(a.atMs).toBeLessThan(s.durationSec * 1000);
      last = a.atMs;
    }
    expect(n).toBeGreaterThan(0);
    expect(g.next()).toBeNull();
    expect(g.next()).toBeNull();
  });

  it('follows the curve: arrivals per second within Poisson tolerance of its integral', () => {
    let total = 0;
    for (let t = 0; t < nye.durationSec; t++) {
      const expected = expectedArrivals(nye, t, t + 1);
      const got = arrivals.filter((a) => a.atMs >= t * 1000 && a.atMs < (t + 1) * 1000).length;
      // Retries make the count slightly over-dispersed; 4.5 sd of Poisson still catches a wrong curve.
      if (!within(got, expected, Math.sqrt(expected)))
        throw new Error(`second ${t}: ${got} arrivals, expected ~${expected.toFixed(1)}`);
      total += expected;
    }
    expect(within(arrivals.length, total, Math.sqrt(total), 4)).toBe(true);
    // And the shape: the surge second carries about 25/12 of the first second's load.
    const count = (t: number) => arrivals.filter((a) => a.atMs >= t * 1000 && a.atMs < (t + 1) * 1000).length;
    expect(count(15) / count(0)).toBeGreaterThan(1.6);
  });

  it('mixes categories, PSPs, initiation, unknown payees and retries in the configured shares', () => {
    const fresh = arrivals.filter((a) => a.retryOfKey === undefined);
    const n = fresh.length;
    const share = (k: number, p: number) => within(k, p * n, Math.sqrt(n * p * (1 - p)));
    for (const c of CATEGORIES) {
      const p = nye.traffic.categoryMix[c] ?? 0;
      expect([c, share(fresh.filter((a) => a.body.category === c).length, p)]).toEqual([c, true]);
    }
    for (const psp of nye.topology.psps) {
      const k = fresh.filter((a) => topo.directory.get(a.body.payerVpa)!.psp === psp.id).length;
      expect([psp.id, share(k, psp.share)]).toEqual([psp.id, true]);
    }
    const system = fresh.filter((a) => a.body.initiation === 'SYSTEM').length;
    expect(share(system, nye.traffic.systemInitiatedShare)).toBe(true);
    const unknown = fresh.filter((a) => !topo.directory.has(a.body.payeeVpa)).length;
    expect(unknown).toBeGreaterThan(0);
    expect(share(unknown, nye.traffic.unknownPayeeShare)).toBe(true);
    const retries = arrivals.length - n;
    const all = arrivals.length;
    const r = nye.traffic.retryShare;
    expect(within(retries, r * all, Math.sqrt(all * r * (1 - r)))).toBe(true);
  });

  it('retries reuse an earlier key and the same body, a few hundred ms later', () => {
    const firstSeen = new Map<string, Arrival>();
    const bad: string[] = [];
    let retries = 0;
    for (const a of arrivals) {
      if (a.retryOfKey === undefined) {
        if (firstSeen.has(a.idempotencyKey)) bad.push(`fresh key reused: ${a.idempotencyKey}`);
        firstSeen.set(a.idempotencyKey, a);
        continue;
      }
      retries++;
      const original = firstSeen.get(a.idempotencyKey);
      const delay = original ? a.atMs - original.atMs : NaN;
      if (a.retryOfKey !== a.idempotencyKey) bad.push(`retryOfKey differs: ${a.idempotencyKey}`);
      else if (!original) bad.push(`retry of an unseen key: ${a.idempotencyKey}`);
      else if (JSON.stringify(a.body) !== JSON.stringify(original.body))
        bad.push(`body differs: ${a.idempotencyKey}`);
      else if (!(delay >= nye.traffic.retryDelayMs.min && delay <= nye.traffic.retryDelayMs.max))
        bad.push(`retry after ${delay} ms: ${a.idempotencyKey}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(retries).toBeGreaterThan(500);
  });

  it('never pays the payer, pays known VPAs except on purpose, and keeps amounts within the limit', () => {
    const limit = nye.topology.switch.txnLimitPaise;
    const bad: string[] = [];
    for (const a of arrivals) {
      const b = a.body;
      if (b.payerVpa === b.payeeVpa) bad.push(`${a.idempotencyKey}: pays itself`);
      if (!topo.directory.has(b.payerVpa)) bad.push(`${a.idempotencyKey}: unknown payer ${b.payerVpa}`);
      if (!topo.directory.has(b.payeeVpa) && !topo.handles.has(b.payeeVpa.split('@')[1]!))
        bad.push(`${a.idempotencyKey}: payee on an unknown handle ${b.payeeVpa}`);
      if (!Number.isInteger(b.amountPaise) || b.amountPaise < 100 || b.amountPaise > limit)
        bad.push(`${a.idempotencyKey}: amount ${b.amountPaise}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('draws amounts from the category log-normal: median near the configured one', () => {
    const p2p = arrivals
      .filter((a) => a.retryOfKey === undefined && a.body.category === 'P2P')
      .map((a) => a.body.amountPaise);
    p2p.sort((x, y) => x - y);
    const median = p2p[Math.floor(p2p.length / 2)]!;
    const want = nye.traffic.amount.byCategory.P2P!.medianPaise;
    expect(median / want).toBeGreaterThan(0.9);
    expect(median / want).toBeLessThan(1.1);
  });

  it('adding one kind of draw leaves the others alone: the timing does not depend on the mix', () => {
    const s = load('smoke');
    const other = { ...s, traffic: { ...s.traffic, categoryMix: { P2M: 1 }, unknownPayeeShare: 0.5 } };
    const a = all(s).filter((x) => !x.retryOfKey);
    const b = [...new TrafficGenerator(other, buildTopology(s))].filter((x) => !x.retryOfKey);
    expect(b.map((x) => x.atMs)).toEqual(a.map((x) => x.atMs));
    expect(b.map((x) => x.body.payerVpa)).toEqual(a.map((x) => x.body.payerVpa));
  });

  it('uses the key prefix it is given', () => {
    const s = load('smoke');
    const g = new TrafficGenerator(s, buildTopology(s), { keyPrefix: 'run7' });
    expect(g.next()!.idempotencyKey).toBe('run7-1');
    expect(new TrafficGenerator(s, buildTopology(s)).next()!.idempotencyKey).toBe('smoke-7-1');
  });

  // Its speed (100,000+ arrivals/s) is a benchmark's business, not a timed assertion here.
  it('generates a national-scale curve to the end', () => {
    const s = load('nye', { scale: 0.2 }); // ~170k arrivals
    const g = new TrafficGenerator(s, buildTopology(s));
    let n = 0;
    while (g.next() !== null) n++;
    expect(n).toBeGreaterThan(150_000);
  });
});

import { CATEGORIES, Random, type Category } from '../../domain/src';
import { createScheduler, DEFAULT_WEIGHTS, type Scheduler } from '../src/scheduler';
import { STRATEGIES, type ItemMeta } from '../src/types';

const meta = (category: Category): ItemMeta => ({ category, initiation: 'CUSTOMER' });

/** Offers `cats` one per ms from t=0 and returns the labels `cat#i` in take order. */
function order(s: Scheduler<string>, cats: Category[], takeAt: number): string[] {
  cats.forEach((c, i) => s.offer(`${c}#${i}`, meta(c), i));
  return s.take(cats.length, takeAt).batch;
}

const mixed: Category[] = ['P2M', 'P2P', 'MEDICAL', 'BILL', 'SALARY', 'P2M', 'MEDICAL'];

describe('Scheduler ordering', () => {
  it('fifo takes in arrival order regardless of class', () => {
    expect(order(createScheduler('fifo'), mixed, 0)).toEqual(mixed.map((c, i) => `${c}#${i}`));
  });

  it('strict-priority takes the highest class first, FIFO within a class', () => {
    expect(order(createScheduler('strict-priority'), mixed, 0)).toEqual([
      'MEDICAL#2',
      'MEDICAL#6',
      'SALARY#4',
      'BILL#3',
      'P2P#1',
      'P2M#0',
      'P2M#5',
    ]);
  });

  it('earliest-deadline-first orders by enqueue time + class deadline', () => {
    const s = createScheduler<string>('earliest-deadline-first');
    s.offer('p2m-old', meta('P2M'), 0); // deadline 2000
    s.offer('p2p', meta('P2P'), 1_500); // deadline 2500
    s.offer('med', meta('MEDICAL'), 1_850); // deadline 1950
    s.offer('bill', meta('BILL'), 1_600); // clamped to 1850 (clock never steps back) → deadline 2350
    expect(s.take(10, 1_900).batch).toEqual(['med', 'p2m-old', 'bill', 'p2p']);
  });

  it('weighted-fair interleaves classes by weight (deficit round robin)', () => {
    const s = createScheduler<string>('weighted-fair', {
      weights: { MEDICAL: 2, SALARY: 1, BILL: 1, P2P: 1, P2M: 1 },
    });
    for (let i = 0; i < 4; i++)
      for (const c of ['MEDICAL', 'P2M'] as Category[]) s.offer(`${c}${i}`, meta(c), 0);
    expect(s.take(8, 0).batch).toEqual([
      'MEDICAL0',
      'MEDICAL1',
      'P2M0',
      'MEDICAL2',
      'MEDICAL3',
      'P2M1',
      'P2M2',
      'P2M3',
    ]);
  });

  it('weighted-fair shares approximate the weights under saturation', () => {
    const s = createScheduler<Category>('weighted-fair', { maxQueue: 100_000 });
    const taken: Record<string, number> = {};
    let t = 0;
    for (const c of CATEGORIES) for (let i = 0; i < 5_000; i++) s.offer(c, meta(c), t);
    // Keep every class backlogged while taking 3,100 items (100 full DRR rounds of 16+8+4+2+1).
    for (let round = 0; round < 31; round++) {
      for (const c of s.take(100, ++t).batch) taken[c] = (taken[c] ?? 0) + 1;
    }
    const total = 31 * 100;
    const wsum = Object.values(DEFAULT_WEIGHTS).reduce((a, b) => a + b, 0);
    for (const c of CATEGORIES) {
      expect(Math.abs((taken[c] ?? 0) / total - DEFAULT_WEIGHTS[c] / wsum)).toBeLessThan(0.01);
    }
  });

  it('weighted-fair gives an idle class no banked credit and lets a lone class use everything', () => {
    const s = createScheduler<string>('weighted-fair');
    for (let i = 0; i < 50; i++) s.offer(`p2m${i}`, meta('P2M'), 0);
    expect(s.take(50, 0).batch).toHaveLength(50);
    expect(s.size).toBe(0);
  });
});

describe('Scheduler deadlines', () => {
  it.each(STRATEGIES)('%s returns items past their deadline as expired, never in a batch', (strategy) => {
    const s = createScheduler<string>(strategy);
    s.offer('med', meta('MEDICAL'), 0); // deadline 100
    s.offer('sal', meta('SALARY'), 0); // deadline 200
    s.offer('p2m', meta('P2M'), 0); // deadline 2000
    const r = s.take(10, 150);
    expect(r.expired).toEqual(['med']);
    expect(r.batch.sort()).toEqual(['p2m', 'sal']);
    expect(s.size).toBe(0);
  });

  it('an item served exactly at its deadline meets it', () => {
    const s = createScheduler<string>('fifo');
    s.offer('med', meta('MEDICAL'), 0);
    expect(s.take(1, 100)).toEqual({ batch: ['med'], expired: [] });
  });

  it('deadlines are configurable per class', () => {
    const s = createScheduler<string>('earliest-deadline-first', { deadlinesMs: { P2M: 50 } });
    s.offer('p2m', meta('P2M'), 0);
    s.offer('med', meta('MEDICAL'), 0);
    expect(s.nextDeadline()).toBe(50);
    expect(s.take(5, 60)).toEqual({ batch: ['med'], expired: ['p2m'] });
  });

  it('expire drops without taking', () => {
    const s = createScheduler<string>('strict-priority');
    s.offer('a', meta('MEDICAL'), 0);
    s.offer('b', meta('BILL'), 0);
    expect(s.expire(101)).toEqual(['a']);
    expect(s.sizeByClass()).toEqual({ MEDICAL: 0, SALARY: 0, BILL: 1, P2P: 0, P2M: 0 });
    expect(s.oldestAgeMs(300)).toBe(300);
  });
});

describe('Scheduler shedding', () => {
  it('fifo tail-drops the newcomer when full', () => {
    const s = createScheduler<string>('fifo', { maxQueue: 2 });
    s.offer('p2m', meta('P2M'), 0);
    s.offer('p2p', meta('P2P'), 0);
    expect(s.offer('med', meta('MEDICAL'), 0)).toEqual({ admitted: false, shed: [] });
    expect(s.size).toBe(2);
  });

  it.each(['strict-priority', 'weighted-fair', 'earliest-deadline-first'] as const)(
    '%s sheds the lowest class first, its oldest item first, and refuses a newcomer ranked below everything',
    (strategy) => {
      const s = createScheduler<string>(strategy, { maxQueue: 4 });
      s.offer('p2p', meta('P2P'), 0);
      s.offer('p2m-1', meta('P2M'), 1);
      s.offer('bill', meta('BILL'), 2);
      s.offer('p2m-2', meta('P2M'), 3);
      expect(s.offer('med', meta('MEDICAL'), 4)).toEqual({ admitted: true, shed: ['p2m-1'] });
      expect(s.offer('sal', meta('SALARY'), 5)).toEqual({ admitted: true, shed: ['p2m-2'] });
      expect(s.offer('p2p-new', meta('P2P'), 6)).toEqual({ admitted: true, shed: ['p2p'] });
      // Queue now MEDICAL, SALARY, BILL, P2P: a merchant payment ranks below all of them.
      expect(s.offer('p2m-3', meta('P2M'), 7)).toEqual({ admitted: false, shed: [] });
      expect(s.size).toBe(4);
      expect(s.sizeByClass()).toEqual({ MEDICAL: 1, SALARY: 1, BILL: 1, P2P: 1, P2M: 0 });
    },
  );
});

describe('EDF overload shedding with a drain model', () => {
  it('sheds lower-class items due before a newcomer that would otherwise miss, oldest first', () => {
    const s = createScheduler<string>('earliest-deadline-first');
    s.setDrainModel({ perSec: 100, serviceMs: 0 }); // 10 ms per item
    s.offer('p2m-a', meta('P2M'), 0); // due 2000
    s.offer('p2m-b', meta('P2M'), 0);
    s.offer('p2p', meta('P2P'), 1_000); // due 2000
    s.offer('sal', meta('SALARY'), 1_850); // due 2050
    // med-1 is due 2,030 with room for 10 items; 3 are due before it: it fits, nothing is shed.
    expect(s.offer('med-1', meta('MEDICAL'), 1_930).shed).toEqual([]);
    s.setDrainModel({ perSec: 20, serviceMs: 0 }); // 50 ms per item
    // med-2 is due 2,085 with room for 2 items; 5 are due before it (p2m-a, p2m-b, p2p, med-1, sal):
    // the lower classes make way, P2M first, then P2P; the SALARY and MEDICAL items stay.
    const r = s.offer('med-2', meta('MEDICAL'), 1_985);
    expect(r).toEqual({ admitted: true, shed: ['p2m-a', 'p2m-b', 'p2p'] });
    expect(s.take(10, 1_990).batch).toEqual(['med-1', 'sal', 'med-2']);
  });

  it('never sheds a higher class for a lower one, and does nothing without a drain model', () => {
    const s = createScheduler<string>('earliest-deadline-first');
    s.offer('med', meta('MEDICAL'), 0);
    s.offer('p2m', meta('P2M'), 0);
    expect(s.offer('p2m-2', meta('P2M'), 99).shed).toEqual([]);
    s.setDrainModel({ perSec: 1, serviceMs: 0 });
    expect(s.offer('bill', meta('BILL'), 99).shed).toEqual([]); // MEDICAL ranks above it: kept
    expect(s.size).toBe(4);
    expect(() => s.setDrainModel({ perSec: 0, serviceMs: 0 })).toThrow(/perSec/);
  });
});

describe('Scheduler invariants', () => {
  it.each(STRATEGIES)(
    '%s: every offered item leaves exactly once (taken, expired or shed), deterministically',
    (strategy) => {
      const run = () => {
        const rnd = new Random(7);
        const s = createScheduler<number>(strategy, { maxQueue: 200 });
        const out: string[] = [];
        const seen = new Set<number>();
        const note = (tag: string, xs: number[]) =>
          xs.forEach((x) => {
            expect(seen.has(x)).toBe(false);
            seen.add(x);
            out.push(`${tag}${x}`);
          });
        let t = 0;
        let n = 0;
        for (let step = 0; step < 3_000; step++) {
          t += rnd.int(3);
          if (rnd.chance(0.6)) {
            const id = n++;
            const r = s.offer(id, meta(rnd.pick(CATEGORIES)), t);
            note('s', r.shed);
            if (!r.admitted) note('r', [id]);
          } else {
            const r = s.take(1 + rnd.int(20), t + rnd.int(50));
            note('e', r.expired);
            note('b', r.batch);
          }
        }
        const r = s.take(Infinity, t);
        note('e', r.expired);
        note('b', r.batch);
        expect(seen.size).toBe(n);
        expect(s.size).toBe(0);
        return out;
      };
      expect(run()).toEqual(run());
    },
  );

  it('rejects bad input with clear errors', () => {
    expect(() => createScheduler('lifo' as never)).toThrow(/unknown scheduling strategy/);
    expect(() => createScheduler('fifo', { maxQueue: 0 })).toThrow(/maxQueue/);
    expect(() => createScheduler('weighted-fair', { weights: { P2M: 0 } })).toThrow(/weights.P2M/);
    expect(() => createScheduler('fifo', { deadlinesMs: { MEDICAL: -1 } })).toThrow(/deadlinesMs.MEDICAL/);
    const s = createScheduler<string>('fifo');
    expect(() => s.offer('x', meta('CRYPTO' as Category), 0)).toThrow(/unknown category/);
    expect(() => s.offer('x', meta('P2M'), NaN)).toThrow(/finite/);
    expect(s.size).toBe(0);
  });
});

import { CATEGORIES, type Category } from '../../domain/src';
import { capacityTps } from '../src/stage-model';
import { lostRate, onTimeRate, runStage, type RunResult, type RunSpec } from './overload-harness';

// Diwali scenario mix (scenarios/diwali.yaml): merchant payments are over half the traffic.
const MIX: Record<Category, number> = { MEDICAL: 0.01, SALARY: 0.01, BILL: 0.08, P2P: 0.35, P2M: 0.55 };
const MODEL = { fixedMs: 20, perTxnMs: 2, servers: 4 };
const BATCH = { policy: 'adaptive', maxSize: 10 } as const;
const CAPACITY = capacityTps(MODEL, BATCH.maxSize); // 1,000 txn/s

const spec = (strategy: RunSpec['strategy'], seed: number): RunSpec => ({
  strategy,
  seed,
  tps: 2 * CAPACITY,
  durationMs: 10_000,
  mix: MIX,
  model: MODEL,
  batch: BATCH,
  scheduler: { maxQueue: 1_000 },
});

const dropped = (r: RunResult, c: Category) => r.byClass[c].expired + r.byClass[c].shed + r.byClass[c].late;

describe('2x overload of the switch stage', () => {
  it('the stage is really at 2x: about half of all offered payments are lost under every strategy', async () => {
    for (const strategy of ['fifo', 'earliest-deadline-first'] as const) {
      const r = await runStage(spec(strategy, 11));
      const offered = CATEGORIES.reduce((a, c) => a + r.byClass[c].offered, 0);
      const lost = CATEGORIES.reduce((a, c) => a + dropped(r, c), 0);
      expect(offered).toBeGreaterThan(19_000);
      expect(lost / offered).toBeGreaterThan(0.4);
      expect(lost / offered).toBeLessThan(0.6);
    }
  });

  it.each([11, 12, 13])(
    'seed %i: strict-priority and EDF keep >= 99%% of MEDICAL on time while P2M absorbs the drops; fifo degrades every class',
    async (seed) => {
      const fifo = await runStage(spec('fifo', seed));
      for (const strategy of ['strict-priority', 'earliest-deadline-first'] as const) {
        const r = await runStage(spec(strategy, seed));
        // Same seed, same traffic.
        for (const c of CATEGORIES) expect(r.byClass[c].offered).toBe(fifo.byClass[c].offered);
        expect(r.byClass.MEDICAL.offered).toBeGreaterThan(100);
        expect(onTimeRate(r.byClass.MEDICAL)).toBeGreaterThanOrEqual(0.99);
        expect(onTimeRate(r.byClass.SALARY)).toBeGreaterThanOrEqual(0.99);
        const totalDrops = CATEGORIES.reduce((a, c) => a + dropped(r, c), 0);
        expect(totalDrops).toBeGreaterThan(0);
        expect(dropped(r, 'P2M') / totalDrops).toBeGreaterThanOrEqual(0.95);
        // The contrast: fifo on the same traffic misses far more medical payments.
        expect(onTimeRate(fifo.byClass.MEDICAL)).toBeLessThan(onTimeRate(r.byClass.MEDICAL) - 0.3);
      }
      // fifo knows no class: every class loses a large share, and merchants do not shield anyone.
      for (const c of CATEGORIES) expect(lostRate(fifo.byClass[c])).toBeGreaterThan(0.2);
      expect(lostRate(fifo.byClass.MEDICAL)).toBeGreaterThanOrEqual(lostRate(fifo.byClass.P2M));
      expect(dropped(fifo, 'P2M') / CATEGORIES.reduce((a, c) => a + dropped(fifo, c), 0)).toBeLessThan(0.75);
    },
  );

  it.each([2, 4])(
    '%ix overload with the default queue bound: strict-priority and EDF still keep MEDICAL on time',
    async (factor) => {
      for (const strategy of ['strict-priority', 'earliest-deadline-first'] as const) {
        const r = await runStage({ ...spec(strategy, 21), tps: factor * CAPACITY, scheduler: {} });
        expect(onTimeRate(r.byClass.MEDICAL)).toBeGreaterThanOrEqual(0.99);
        expect(onTimeRate(r.byClass.SALARY)).toBeGreaterThanOrEqual(0.99);
        expect(lostRate(r.byClass.P2M)).toBeGreaterThan(0.5);
      }
    },
  );

  it('plain EDF (no drain model) collapses under overload with a long queue: every class misses alike', async () => {
    const plain = await runStage({
      ...spec('earliest-deadline-first', 21),
      scheduler: {},
      withoutDrainModel: true,
    });
    const guarded = await runStage({ ...spec('earliest-deadline-first', 21), scheduler: {} });
    expect(onTimeRate(plain.byClass.MEDICAL)).toBeLessThan(0.9);
    expect(onTimeRate(guarded.byClass.MEDICAL)).toBeGreaterThanOrEqual(0.99);
  });

  it('no strategy ever serves a payment after its class deadline (drops happen before the banks)', async () => {
    for (const strategy of ['fifo', 'strict-priority', 'weighted-fair', 'earliest-deadline-first'] as const) {
      const r = await runStage(spec(strategy, 5));
      for (const c of CATEGORIES) {
        const o = r.byClass[c];
        expect(o.late).toBe(0);
        expect(o.onTime + o.expired + o.shed).toBe(o.offered);
      }
    }
  });
});

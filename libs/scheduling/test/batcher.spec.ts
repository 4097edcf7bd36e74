import { createBatcher } from '../src/batcher';
import { runStage } from './overload-harness';

const MIX = { MEDICAL: 0, SALARY: 0, BILL: 0, P2P: 0, P2M: 1 };
const MODEL = { fixedMs: 20, perTxnMs: 2, servers: 1 };
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('batch policies (pure decisions)', () => {
  it('fixed dispatches exactly N when N are queued, a partial batch only after partialAfterMs', () => {
    const b = createBatcher({ policy: 'fixed', size: 50, partialAfterMs: 10 });
    expect(b.decide(0, 0, 0)).toEqual({ waitMs: Infinity });
    expect(b.decide(120, 0, 0)).toEqual({ dispatch: 50 });
    expect(b.decide(3, 4, 0)).toEqual({ waitMs: 6 });
    expect(b.decide(3, 10, 0)).toEqual({ dispatch: 3 });
  });

  it('linger dispatches when maxSize is reached or the oldest waited lingerMs', () => {
    const b = createBatcher({ policy: 'linger', maxSize: 100, lingerMs: 5 });
    expect(b.decide(100, 0, 0)).toEqual({ dispatch: 100 });
    expect(b.decide(40, 1, 0)).toEqual({ waitMs: 4 });
    expect(b.decide(40, 5, 0)).toEqual({ dispatch: 40 });
  });

  it('adaptive never waits: the batch is the queue, up to maxSize', () => {
    const b = createBatcher({ policy: 'adaptive', maxSize: 100 });
    expect(b.decide(0, 0, 0)).toEqual({ waitMs: Infinity });
    expect(b.decide(1, 0, 0)).toEqual({ dispatch: 1 });
    expect(b.decide(37, 0, 0)).toEqual({ dispatch: 37 });
    expect(b.decide(5_000, 0, 0)).toEqual({ dispatch: 100 });
  });

  it('rejects bad configuration', () => {
    expect(() => createBatcher({ policy: 'fixed', size: 0 })).toThrow(/fixed.size/);
    expect(() => createBatcher({ policy: 'linger', maxSize: 10, lingerMs: -1 })).toThrow(/lingerMs/);
    expect(() => createBatcher({ policy: 'adaptive', maxSize: 1.5 })).toThrow(/maxSize/);
    expect(() => createBatcher({ policy: 'greedy' } as never)).toThrow(/unknown batch policy/);
  });
});

describe('batch sizes versus load on the stage', () => {
  const run = (tps: number, batch: Parameters<typeof createBatcher>[0]) =>
    runStage({
      strategy: 'fifo',
      seed: 3,
      tps,
      durationMs: 5_000,
      mix: MIX,
      model: MODEL,
      batch,
      scheduler: { maxQueue: 100_000 },
    });

  it('adaptive: batches of ~1 when idle, growing with the queue under load, capped at maxSize', async () => {
    const idle = await run(5, { policy: 'adaptive', maxSize: 100 });
    const busy = await run(300, { policy: 'adaptive', maxSize: 100 });
    const flooded = await run(2_000, { policy: 'adaptive', maxSize: 100 });
    expect(mean(idle.batchSizes)).toBeLessThan(1.2);
    expect(mean(busy.batchSizes)).toBeGreaterThan(5);
    expect(mean(busy.batchSizes)).toBeLessThan(60);
    expect(Math.max(...flooded.batchSizes)).toBe(100);
    expect(mean(flooded.batchSizes)).toBeGreaterThan(90);
  });

  it('fixed: full batches of N under load, a lone payment still goes after partialAfterMs', async () => {
    const idle = await run(5, { policy: 'fixed', size: 20, partialAfterMs: 10 });
    expect(mean(idle.batchSizes)).toBeLessThan(1.2);
    const p2m = idle.byClass.P2M;
    expect(p2m.onTime).toBe(p2m.offered); // nobody stuck: 10 ms wait + 22 ms service
    const busy = await run(600, { policy: 'fixed', size: 20, partialAfterMs: 10 });
    const full = busy.batchSizes.filter((n) => n === 20).length;
    expect(full / busy.batchSizes.length).toBeGreaterThan(0.9);
    expect(Math.max(...busy.batchSizes)).toBe(20);
  });

  it('linger: a longer linger makes bigger batches at the same moderate load', async () => {
    const short = await run(200, { policy: 'linger', maxSize: 500, lingerMs: 1 });
    const long = await run(200, { policy: 'linger', maxSize: 500, lingerMs: 50 });
    expect(mean(long.batchSizes)).toBeGreaterThan(mean(short.batchSizes) * 1.5);
    expect(Math.max(...long.batchSizes)).toBeLessThanOrEqual(500);
  });
});

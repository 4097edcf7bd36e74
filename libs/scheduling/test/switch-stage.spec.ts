import { RESPONSE_CODES, declineKind } from '../../domain/src';
import { VirtualTimers } from '../../sim/src/virtual-timers';
import { createBatcher } from '../src/batcher';
import { createScheduler } from '../src/scheduler';
import { capacityTps, serviceMs } from '../src/stage-model';
import { SwitchStage } from '../src/switch-stage';
import { runStage } from './overload-harness';

const cust = { category: 'P2P', initiation: 'CUSTOMER' } as const;

describe('SwitchStage', () => {
  it('serves a batch after fixedMs + perTxnMs × n and calls onServed with the times', async () => {
    const timers = new VirtualTimers(1_000);
    const served: { batch: string[]; startedAt: number; servedAt: number }[] = [];
    const stage = new SwitchStage<string>({
      timers,
      scheduler: createScheduler('fifo'),
      batcher: createBatcher({ policy: 'linger', maxSize: 3, lingerMs: 5 }),
      onServed: (batch, info) => served.push({ batch, ...info }),
    });
    expect(stage.offer('a', cust)).toBe('queued');
    expect(stage.offer('b', cust)).toBe('queued');
    await timers.runUntil();
    // Lingered 5 ms for a third item, then served 2 items: 20 + 2×2 = 24 ms.
    expect(served).toEqual([{ batch: ['a', 'b'], startedAt: 1_005, servedAt: 1_029 }]);
    expect(stage.counters).toMatchObject({ offered: 2, served: 2, batches: 1, expired: 0, shed: 0 });
  });

  it('runs `servers` batches in parallel and no more', async () => {
    const timers = new VirtualTimers(0);
    const ends: number[] = [];
    const stage = new SwitchStage<number>({
      timers,
      scheduler: createScheduler('fifo'),
      batcher: createBatcher({ policy: 'adaptive', maxSize: 1 }),
      model: { fixedMs: 10, perTxnMs: 0, servers: 2 },
      onServed: () => ends.push(timers.now()),
    });
    for (let i = 0; i < 5; i++) stage.offer(i, cust);
    expect(stage.busyServers).toBe(2);
    expect(stage.queued).toBe(3);
    await timers.runUntil();
    expect(ends).toEqual([10, 10, 20, 20, 30]);
  });

  it('resize: zero servers is an outage, more servers start queued batches at once', async () => {
    const timers = new VirtualTimers(0);
    const ends: number[] = [];
    const stage = new SwitchStage<number>({
      timers,
      scheduler: createScheduler('fifo'),
      batcher: createBatcher({ policy: 'adaptive', maxSize: 1 }),
      model: { fixedMs: 10, perTxnMs: 0, servers: 1 },
      onServed: () => ends.push(timers.now()),
    });
    stage.resize({ fixedMs: 10, perTxnMs: 0, servers: 0 });
    for (let i = 0; i < 3; i++) stage.offer(i, cust);
    expect(stage.busyServers).toBe(0);
    await timers.runUntil(5);
    stage.resize({ fixedMs: 10, perTxnMs: 0, servers: 3 });
    expect(stage.busyServers).toBe(3);
    expect(stage.model.servers).toBe(3);
    await timers.runUntil();
    expect(ends).toEqual([15, 15, 15]);
    expect(() => stage.resize({ fixedMs: 10, perTxnMs: 0, servers: 1.5 })).toThrow(/servers/);
  });

  it('drops a queued item that cannot be served by its deadline with onExpired, before service', async () => {
    const timers = new VirtualTimers(0);
    const expired: string[] = [];
    const served: string[] = [];
    const stage = new SwitchStage<string>({
      timers,
      scheduler: createScheduler('fifo'),
      batcher: createBatcher({ policy: 'adaptive', maxSize: 1 }),
      model: { fixedMs: 60, perTxnMs: 0, servers: 1 },
      onServed: (b) => served.push(...b),
      onExpired: (xs) => expired.push(...xs),
    });
    stage.offer('p2m', { category: 'P2M', initiation: 'CUSTOMER' }); // served 0..60
    stage.offer('med', { category: 'MEDICAL', initiation: 'CUSTOMER' }); // would finish at 120 > 100
    await timers.runUntil();
    expect(served).toEqual(['p2m']);
    expect(expired).toEqual(['med']);
  });

  it('sheds refused newcomers and evicted items through onShed', async () => {
    const timers = new VirtualTimers(0);
    const shed: string[] = [];
    const stage = new SwitchStage<string>({
      timers,
      scheduler: createScheduler('strict-priority', { maxQueue: 1 }),
      batcher: createBatcher({ policy: 'fixed', size: 10, partialAfterMs: 50 }),
      onServed: () => undefined,
      onShed: (xs) => shed.push(...xs),
    });
    expect(stage.offer('p2m', { category: 'P2M', initiation: 'CUSTOMER' })).toBe('queued');
    expect(stage.offer('med', { category: 'MEDICAL', initiation: 'CUSTOMER' })).toBe('queued');
    expect(stage.offer('bill', { category: 'BILL', initiation: 'CUSTOMER' })).toBe('shed');
    expect(shed).toEqual(['p2m', 'bill']);
    stage.stop();
    expect(timers.pending).toBe(0);
  });

  it('replays exactly on the same seed', async () => {
    const spec = {
      strategy: 'weighted-fair',
      seed: 9,
      tps: 1_500,
      durationMs: 3_000,
      mix: { MEDICAL: 0.05, SALARY: 0.05, BILL: 0.1, P2P: 0.4, P2M: 0.4 },
      model: { fixedMs: 20, perTxnMs: 2, servers: 2 },
      batch: { policy: 'adaptive', maxSize: 20 },
      scheduler: { maxQueue: 300 },
    } as const;
    const a = await runStage(spec);
    const b = await runStage(spec);
    expect(b.servedOrder.map((j) => j.id)).toEqual(a.servedOrder.map((j) => j.id));
    expect(b.byClass).toEqual(a.byClass);
    expect(a.stage.counters.served).toBe(a.servedOrder.length);
  });

  it('service model: the seed cost formula and the capacity it implies', () => {
    const m = { fixedMs: 20, perTxnMs: 2, servers: 1 };
    expect(serviceMs(m, 1)).toBe(22);
    expect(serviceMs(m, 500)).toBe(1_020);
    expect(capacityTps(m, 100)).toBeCloseTo(100_000 / 220, 6);
    expect(() => new SwitchStage({ ...stub(), model: { fixedMs: 20, perTxnMs: 2, servers: 0 } })).toThrow(
      /servers/,
    );
  });

  it('LoadLab queue codes exist as technical declines next to the NPCI codes', () => {
    expect(declineKind('QD')).toBe('TD');
    expect(declineKind('QS')).toBe('TD');
    expect(RESPONSE_CODES.QD.text).toMatch(/not NPCI/);
    expect(RESPONSE_CODES.U90.text).toMatch(/remitter/);
  });
});

function stub() {
  return {
    timers: new VirtualTimers(0),
    scheduler: createScheduler<string>('fifo'),
    batcher: createBatcher({ policy: 'adaptive', maxSize: 1 }),
    onServed: () => undefined,
  };
}

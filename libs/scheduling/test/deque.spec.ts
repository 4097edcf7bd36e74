import type { ReqPay } from '../../domain/src';
import { VirtualTimers } from '../../sim/src/virtual-timers';
import { createBatcher } from '../src/batcher';
import { Deque, MinHeap } from '../../collections/src';
import { createScheduler } from '../src/scheduler';
import { SwitchStage } from '../src/switch-stage';
import { SystemTrafficGate } from '../src/system-gate';

describe('Deque and MinHeap', () => {
  it('Deque keeps order across compaction and pops at both ends', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 5_000; i++) d.push(i);
    for (let i = 0; i < 4_000; i++) expect(d.popFront()).toBe(i);
    expect(d.length).toBe(1_000);
    expect(d.peekFront()).toBe(4_000);
    expect(d.popBack()).toBe(4_999);
    while (d.length > 0) d.popFront();
    expect(d.popFront()).toBeUndefined();
    expect(d.popBack()).toBeUndefined();
  });

  it('MinHeap pops in order', () => {
    const h = new MinHeap<number>((a, b) => a < b);
    [5, 1, 4, 1, 9, 2, 6].forEach((x) => h.push(x));
    const out: number[] = [];
    while (h.length) out.push(h.pop()!);
    expect(out).toEqual([1, 1, 2, 4, 5, 6, 9]);
  });

  it('a stage over ReqPay with a gate type-checks as the README shows', async () => {
    const timers = new VirtualTimers(0);
    const served: string[] = [];
    const stage = new SwitchStage<ReqPay>({
      timers,
      scheduler: createScheduler<ReqPay>('earliest-deadline-first'),
      batcher: createBatcher({ policy: 'adaptive', maxSize: 100 }),
      gate: new SystemTrafficGate({ startTimeOfDay: '23:45' }),
      onServed: (batch) => served.push(...batch.map((r) => r.txnId)),
    });
    const r: ReqPay = {
      type: 'ReqPay',
      txnId: 't1',
      pspId: 'psp',
      payerVpa: 'a@ybl',
      payeeVpa: 'b@sbi',
      amountPaise: 100,
      category: 'P2M',
      initiation: 'CUSTOMER',
      createdAt: 0,
    };
    expect(stage.offer(r, r)).toBe('queued');
    await timers.runUntil();
    expect(served).toEqual(['t1']);
  });
});

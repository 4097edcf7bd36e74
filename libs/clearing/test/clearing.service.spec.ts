import type { SettlementEntry } from '../../domain/src';
import { VirtualTimers } from '../../sim/src/virtual-timers';
import { InMemoryBus } from '../../transport/src/in-memory-bus';
import { TOPICS } from '../../transport/src/topics';
import { ClearingService } from '../src/clearing.service';

const entry = (txnId: string, kind: 'PAY' | 'RET', amountPaise: number, at: number): SettlementEntry => ({
  type: 'SettlementEntry',
  txnId,
  kind,
  remitterBank: 'SBI',
  beneficiaryBank: 'HDFC',
  amountPaise,
  at,
});

describe('ClearingService', () => {
  it('closes a cycle every cycleMs, and the last one on stop', async () => {
    const timers = new VirtualTimers(1000);
    const bus = new InMemoryBus({ timers });
    const svc = new ClearingService({ bus, timers, cycleMs: 10_000 });
    await svc.start();
    const publishAt = (at: number, ...es: SettlementEntry[]) =>
      timers.setTimer(
        at - timers.now(),
        () =>
          void bus.publish(
            TOPICS.settlement,
            es.map((e) => ({ key: String(e.txnId), value: e })),
          ),
      );
    publishAt(2000, entry('T1', 'PAY', 100, 2000), entry('T2', 'PAY', 50, 2000));
    publishAt(12_000, entry('T1', 'PAY', 100, 2000), entry('T1', 'RET', 100, 12_000)); // a redelivery and a return
    publishAt(15_000, { hello: 1 } as unknown as SettlementEntry);
    publishAt(33_000, entry('T3', 'PAY', 7, 33_000));
    await timers.runUntil(35_000);
    expect(svc.reports().map((r) => [r.cycle, r.openedAt, r.closedAt, r.entries])).toEqual([
      [1, 1000, 11_000, 2],
      [2, 11_000, 21_000, 1],
      [3, 21_000, 31_000, 0],
    ]);
    expect(svc.reports()[0]!.netPositions).toEqual({ HDFC: 150, SBI: -150 });
    expect(svc.reports()[1]!.netPositions).toEqual({ HDFC: -100, SBI: 100 });
    await svc.stop();
    expect(svc.reports()).toHaveLength(4);
    expect(svc.reports()[3]).toMatchObject({ openedAt: 31_000, closedAt: 35_000, entries: 1, sum: 0 });
    expect(svc.stats()).toEqual({ accepted: 4, duplicates: 1, invalid: 1, cyclesClosed: 4, openEntries: 0 });
    expect(svc.totals()).toEqual({ SBI: -57, HDFC: 57 });
    // Stopped: nothing more is taken or closed.
    publishAt(36_000, entry('T4', 'PAY', 1, 36_000));
    await timers.runUntil(100_000);
    expect(svc.reports()).toHaveLength(4);
    expect(svc.stats().accepted).toBe(4);
  });
});

import { VirtualTimers } from '../../sim/src/virtual-timers';
import { createBatcher } from '../src/batcher';
import { createScheduler } from '../src/scheduler';
import { SwitchStage } from '../src/switch-stage';
import { SystemTrafficGate } from '../src/system-gate';
import { formatTimeOfDay, parseTimeOfDay, RunClockDay } from '../src/time-of-day';
import type { ItemMeta } from '../src/types';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('time of day on the run clock', () => {
  it('parses HH:MM[:SS] and maps run time to time of day, wrapping at midnight', () => {
    expect(parseTimeOfDay('21:30')).toBe(21.5 * HOUR);
    expect(parseTimeOfDay('00:00:30')).toBe(30_000);
    expect(() => parseTimeOfDay('9.30')).toThrow(/HH:MM/);
    expect(() => parseTimeOfDay('12:75')).toThrow(/range/);
    const day = new RunClockDay('23:00', 5_000);
    expect(day.timeOfDay(5_000)).toBe(23 * HOUR);
    expect(day.timeOfDay(5_000 + 2 * HOUR)).toBe(HOUR);
    expect(formatTimeOfDay(parseTimeOfDay('09:05:07'))).toBe('09:05:07');
    expect(formatTimeOfDay(24 * HOUR + 1_500)).toBe('00:00:01');
  });
});

describe('SystemTrafficGate', () => {
  it('holds everything during NPCI peak windows and rate-limits outside them', () => {
    const gate = new SystemTrafficGate<number>({ startTimeOfDay: '09:59', ratePerSec: 2, burst: 2 });
    // 09:59: off-peak, the bucket allows a burst of 2, then holds.
    expect([gate.offer(1, 0), gate.offer(2, 0), gate.offer(3, 0)]).toEqual(['pass', 'pass', 'held']);
    expect(gate.nextReleaseAt(0)).toBe(500);
    expect(gate.release(500)).toEqual([3]);
    // 10:00 onwards: peak; nothing passes, nothing is released even with tokens.
    const peak = MIN;
    expect(gate.inPeak(peak)).toBe(true);
    expect(gate.offer(4, peak)).toBe('held');
    expect(gate.offer(5, peak + 10_000)).toBe('held');
    expect(gate.release(peak + HOUR)).toEqual([]);
    expect(gate.nextReleaseAt(peak + HOUR)).toBe(peak + 3 * HOUR); // 13:00
    // 13:00: released at the rate limit, oldest first.
    const end = peak + 3 * HOUR;
    expect(gate.inPeak(end)).toBe(false);
    expect(gate.release(end)).toEqual([4, 5]);
  });

  it('knows the evening window 17:00–21:30 and custom windows', () => {
    const gate = new SystemTrafficGate<number>({ startTimeOfDay: '16:00' });
    expect(gate.inPeak(59 * MIN)).toBe(false);
    expect(gate.inPeak(HOUR)).toBe(true);
    expect(gate.peakEndsAt(HOUR)).toBe(5.5 * HOUR);
    expect(gate.inPeak(5.5 * HOUR)).toBe(false);
    const custom = new SystemTrafficGate<number>({ peakWindows: [['00:00', '00:01']] });
    expect(custom.inPeak(0)).toBe(true);
    expect(custom.inPeak(MIN)).toBe(false);
    expect(() => new SystemTrafficGate({ peakWindows: [['13:00', '10:00']] })).toThrow(/before it ends/);
  });

  it('rejects beyond maxHeld', () => {
    const gate = new SystemTrafficGate<number>({ startTimeOfDay: '11:00', maxHeld: 2 });
    expect([gate.offer(1, 0), gate.offer(2, 0), gate.offer(3, 0)]).toEqual(['held', 'held', 'rejected']);
  });
});

describe('SwitchStage with the system gate', () => {
  it('SYSTEM items wait out the peak window while CUSTOMER items are served; held ones follow at the rate limit', async () => {
    const timers = new VirtualTimers(0);
    const served: { id: string; at: number }[] = [];
    type Item = { id: string };
    const gate = new SystemTrafficGate<{ item: Item; meta: ItemMeta }>({
      startTimeOfDay: '12:59',
      ratePerSec: 10,
      burst: 1,
    });
    const stage = new SwitchStage<Item>({
      timers,
      scheduler: createScheduler('strict-priority'),
      batcher: createBatcher({ policy: 'adaptive', maxSize: 50 }),
      gate,
      onServed: (batch) => batch.forEach((x) => served.push({ id: x.id, at: timers.now() })),
    });
    const sys: ItemMeta = { category: 'P2M', initiation: 'SYSTEM' };
    for (let i = 0; i < 5; i++) expect(stage.offer({ id: `sys${i}` }, sys)).toBe('held');
    expect(stage.offer({ id: 'cust' }, { category: 'P2M', initiation: 'CUSTOMER' })).toBe('queued');
    expect(stage.held).toBe(5);
    await timers.runUntil();
    expect(served[0]).toEqual({ id: 'cust', at: 22 });
    const sysServed = served.filter((s) => s.id.startsWith('sys'));
    expect(sysServed.map((s) => s.id)).toEqual(['sys0', 'sys1', 'sys2', 'sys3', 'sys4']);
    // Nothing before 13:00 (one minute in), then one every 100 ms (10/s, burst 1).
    expect(sysServed[0]!.at).toBeGreaterThanOrEqual(MIN);
    for (let i = 1; i < sysServed.length; i++) {
      expect(sysServed[i]!.at - sysServed[i - 1]!.at).toBeGreaterThanOrEqual(99);
    }
    expect(stage.held).toBe(0);
    expect(stage.counters).toMatchObject({ offered: 6, served: 6, held: 5, shed: 0 });
  });

  it('off-peak SYSTEM traffic beyond the rate is held and trickles out; customers are never held', async () => {
    const timers = new VirtualTimers(0);
    const servedAt = new Map<string, number>();
    const gate = new SystemTrafficGate<{ item: string; meta: ItemMeta }>({
      startTimeOfDay: '02:00',
      ratePerSec: 5,
      burst: 5,
    });
    const stage = new SwitchStage<string>({
      timers,
      scheduler: createScheduler('fifo'),
      batcher: createBatcher({ policy: 'adaptive', maxSize: 100 }),
      gate,
      onServed: (b) => b.forEach((x) => servedAt.set(x, timers.now())),
    });
    const verdicts = Array.from({ length: 20 }, (_, i) =>
      stage.offer(`s${i}`, { category: 'BILL', initiation: 'SYSTEM' }),
    );
    expect(verdicts.filter((v) => v === 'queued')).toHaveLength(5);
    expect(verdicts.filter((v) => v === 'held')).toHaveLength(15);
    for (let i = 0; i < 20; i++)
      expect(stage.offer(`c${i}`, { category: 'BILL', initiation: 'CUSTOMER' })).toBe('queued');
    await timers.runUntil();
    expect(servedAt.size).toBe(40);
    // 15 held at 5/s: the last leaves the gate about 3 s in.
    expect(servedAt.get('s19')!).toBeGreaterThanOrEqual(3_000);
    expect(servedAt.get('c19')!).toBeLessThan(1_000);
  });
});

describe("the gate's clock set again while items are held", () => {
  const system: ItemMeta = { category: 'P2M', initiation: 'SYSTEM' };
  const stageAt = (startTimeOfDay: string) => {
    const timers = new VirtualTimers(0);
    const served: { id: string; at: number }[] = [];
    const stage = new SwitchStage<string>({
      timers,
      scheduler: createScheduler('fifo'),
      batcher: createBatcher({ policy: 'adaptive', maxSize: 10 }),
      gate: new SystemTrafficGate({ startTimeOfDay, ratePerSec: 10, burst: 10 }),
      onServed: (b) => b.forEach((id) => served.push({ id, at: timers.now() })),
    });
    return { timers, stage, served };
  };

  it('releases what it holds at once when the new clock puts the run outside the window', async () => {
    // A switch up since 11:00 by its own count; the run announced at 5 s began at 09:00.
    const { timers, stage, served } = stageAt('11:00');
    expect(stage.offer('sys', system)).toBe('held');
    await timers.runUntil(5_000);
    expect(served).toEqual([]);
    stage.setGateClock('09:00', 5_000);
    expect(stage.timeOfDay(5_000)).toBe(9 * HOUR);
    await timers.runUntil(6_000);
    expect(served.map((s) => s.id)).toEqual(['sys']);
    expect(served[0]!.at).toBeLessThan(5_100);
    // And a new SYSTEM item now passes straight through.
    expect(stage.offer('sys2', system)).toBe('queued');
  });

  it('holds what arrives once the new clock opens a window, until that window closes', async () => {
    const { timers, stage, served } = stageAt('08:00');
    // The run began at 12:59 when the clock read 1 s: the window closes at 13:00, 61 s on the clock.
    stage.setGateClock('12:59', 1_000);
    expect(stage.offer('sys', system)).toBe('held');
    await timers.runUntil();
    expect(served).toHaveLength(1);
    expect(served[0]!.at).toBe(61_000 + 22);
  });
});

describe('status-check storm at the stage', () => {
  it('a SYSTEM poll storm at 5x capacity is throttled by the gate and customer payments stay on time', async () => {
    const timers = new VirtualTimers(0);
    let custOnTime = 0;
    let custOffered = 0;
    let sysServed = 0;
    const gate = new SystemTrafficGate<{ item: { cust: boolean; at: number }; meta: ItemMeta }>({
      startTimeOfDay: '08:00',
      ratePerSec: 50,
      maxHeld: 1_000,
    });
    const stage = new SwitchStage<{ cust: boolean; at: number }>({
      timers,
      scheduler: createScheduler('fifo', { maxQueue: 2_000 }),
      batcher: createBatcher({ policy: 'adaptive', maxSize: 10 }),
      model: { fixedMs: 20, perTxnMs: 2, servers: 2 }, // 500 txn/s
      gate,
      onServed: (b) =>
        b.forEach((x) => {
          if (!x.cust) sysServed++;
          else if (timers.now() - x.at <= 1_000) custOnTime++;
        }),
    });
    // 200 customer payments/s and 2,500 status polls/s for 5 s.
    for (let t = 0; t < 5_000; t += 5) {
      timers.setTimer(t, () => {
        const now = timers.now();
        custOffered++;
        stage.offer({ cust: true, at: now }, { category: 'P2P', initiation: 'CUSTOMER' });
        for (let k = 0; k < 12; k++)
          stage.offer({ cust: false, at: now }, { category: 'P2P', initiation: 'SYSTEM' });
      });
    }
    await timers.runUntil();
    expect(custOffered).toBe(1_000);
    expect(custOnTime).toBe(custOffered);
    // The storm got through only at the gate's rate (plus its burst), and the rest was shed.
    expect(sysServed).toBeLessThanOrEqual(50 + 50 * (timers.now() / 1_000) + 1);
    expect(stage.counters.shed).toBeGreaterThan(10_000);
  });
});

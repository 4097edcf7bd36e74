import { decodeSwitchCommand, encodeSwitchCommand, SwitchStateMachine, type SwitchCommand } from '../src';
import type { TimeOfDayOrigin } from '../src/switch-strategies';

// A live run's clock (PUT /admin/run-clock) goes through the switch's Raft log, so a replica
// restarted after the announcement reads the run's time of day, not its own start's.

const clock: TimeOfDayOrigin = { clockOrigin: 1_764_250_000_123, startTimeOfDay: '08:00' };

describe('switch command codec: the run clock', () => {
  it('round-trips alone, and after an eviction', () => {
    const alone: SwitchCommand = { runClock: clock };
    expect(decodeSwitchCommand(encodeSwitchCommand(alone))).toMatchObject(alone);
    expect(decodeSwitchCommand(encodeSwitchCommand(alone)).evict).toBeUndefined();
    const both: SwitchCommand = {
      finished: ['T1'],
      evict: { through: 500, txnIds: ['T0'] },
      runClock: { clockOrigin: 7, startTimeOfDay: '23:59:59' },
    };
    expect(decodeSwitchCommand(encodeSwitchCommand(both))).toMatchObject(both);
  });

  it('leaves the bytes of every other entry as they were', () => {
    expect(encodeSwitchCommand({ finished: ['T1'] })).toBe('[1,[],[],[],["T1"],[]]');
    expect(encodeSwitchCommand({ evict: { through: 5, txnIds: ['T1'] } })).toBe(
      '[1,[],[],[],[],[],[5,["T1"]]]',
    );
    expect(encodeSwitchCommand({ runClock: clock })).toBe('[1,[],[],[],[],[],0,[1764250000123,"08:00"]]');
  });

  it.each([
    ['[1,[],[],[],[],[],0,[5,"25:00"]]', /time of day/],
    ['[1,[],[],[],[],[],0,[5,"8 o\'clock"]]', /time of day/],
    ['[1,[],[],[],[],[],0,["5","08:00"]]', /origin must be a number/],
    ['[1,[],[],[],[],[],0,[5]]', /runClock must be a 2-tuple/],
    ['[1,[],[],[],[],[],1,[5,"08:00"]]', /evict must be a 2-tuple/],
  ])('refuses %s', (wire, why) => {
    expect(() => decodeSwitchCommand(wire)).toThrow(why);
  });
});

describe('SwitchStateMachine: the run clock', () => {
  it('keeps the last one applied and tells its listener of each', () => {
    const m = new SwitchStateMachine();
    const told: TimeOfDayOrigin[] = [];
    m.onRunClock((c) => told.push(c));
    expect(m.runClock).toBeNull();
    m.apply(encodeSwitchCommand({ runClock: clock }));
    const later = { clockOrigin: clock.clockOrigin + 60_000, startTimeOfDay: '17:30' };
    m.apply(encodeSwitchCommand({ runClock: later }));
    m.apply(encodeSwitchCommand({ finished: ['T1'] }));
    expect(m.runClock).toEqual(later);
    expect(told).toEqual([clock, later]);
  });

  it('a malformed clock changes nothing', () => {
    const m = new SwitchStateMachine();
    m.apply(encodeSwitchCommand({ runClock: clock }));
    expect(m.apply('[1,[],[],[],[],[],0,[5,"99:00"]]')).toMatchObject({ ok: false });
    expect(m.runClock).toEqual(clock);
  });

  it('is in the snapshot: a replica restored from it reads the same clock, and is told', () => {
    const m = new SwitchStateMachine();
    m.apply(encodeSwitchCommand({ runClock: clock }));
    const copy = new SwitchStateMachine();
    const told: TimeOfDayOrigin[] = [];
    copy.onRunClock((c) => told.push(c));
    copy.restore(m.snapshot());
    expect(copy.runClock).toEqual(clock);
    expect(told).toEqual([clock]);
    expect(copy.snapshot()).toBe(m.snapshot());
    // A snapshot from before any run clock (or from an older build) restores to none.
    const none = new SwitchStateMachine();
    copy.restore(none.snapshot());
    expect(copy.runClock).toBeNull();
  });

  it('refuses a snapshot with a malformed clock and keeps its state', () => {
    const m = new SwitchStateMachine();
    m.apply(encodeSwitchCommand({ runClock: clock }));
    const snap = JSON.parse(m.snapshot()) as Record<string, unknown>;
    for (const bad of [[1], 'x', [1, '24:30']]) {
      expect(() => m.restore(JSON.stringify({ ...snap, runClock: bad }))).toThrow(/run ?clock/i);
    }
    expect(m.runClock).toEqual(clock);
  });
});

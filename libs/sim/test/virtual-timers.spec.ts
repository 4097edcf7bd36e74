import { VirtualTimers } from '../src';

describe('VirtualTimers with many cancelled timers', () => {
  it('fires the live timers in order after compacting the cancelled ones', async () => {
    const t = new VirtualTimers(0);
    const fired: number[] = [];
    const keep: number[] = [];
    // 10,000 timeouts set and cleared (as every answered request does), 100 kept, interleaved.
    for (let i = 0; i < 10_100; i++) {
      const at = 10_000 - i; // set in reverse time order, so the heap really has to sort them
      const h = t.setTimer(at, () => fired.push(at));
      if (i % 101 === 0) keep.push(at);
      else t.clearTimer(h);
    }
    expect(t.pending).toBe(keep.length);
    const n = await t.runUntil();
    expect(n).toBe(keep.length);
    expect(fired).toEqual([...keep].sort((a, b) => a - b));
  });

  it('keeps same-instant timers in the order they were set across a compaction', async () => {
    const t = new VirtualTimers(0);
    const fired: string[] = [];
    t.setTimer(5, () => fired.push('a'));
    for (let i = 0; i < 5000; i++) t.clearTimer(t.setTimer(1, () => fired.push('never')));
    t.setTimer(5, () => fired.push('b'));
    await t.runUntil(10);
    expect(fired).toEqual(['a', 'b']);
    expect(t.now()).toBe(10);
  });
});

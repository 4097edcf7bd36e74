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

describe('VirtualTimers near heap and far buckets', () => {
  /** A seeded stream (mulberry32), so a failing case replays. */
  const rng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  it.each([1, 2, 3, 4, 5])(
    'fires near and far timers, set from outside and from callbacks, in (time, set order) — seed %i',
    async (seed) => {
      const r = rng(seed);
      const t = new VirtualTimers(0);
      // The reference: every timer that must fire, with its due time and the order it was set.
      const expected: { at: number; seq: number }[] = [];
      const fired: number[] = [];
      let seq = 0;
      const delay = () => {
        const x = r();
        // Same-instant ties, sub-ms, near, and far delays (several buckets, some exactly on a boundary).
        if (x < 0.1) return 0;
        if (x < 0.5) return r() * 50;
        if (x < 0.8) return Math.floor(r() * 10) * 1024;
        return 2_000 + r() * 30_000;
      };
      const set = (depth: number): void => {
        const id = ++seq;
        const d = delay();
        const h = t.setTimer(d, () => {
          fired.push(id);
          if (depth < 3 && r() < 0.6) set(depth + 1);
          if (depth < 3 && r() < 0.3) set(depth + 1);
        });
        if (r() < 0.3) t.clearTimer(h);
        else expected.push({ at: t.now() + d, seq: id });
      };
      for (let i = 0; i < 2_000; i++) set(0);
      await t.runUntil();
      // Timers set later from callbacks join the reference as they are set; order by (at, seq).
      expected.sort((a, b) => a.at - b.at || a.seq - b.seq);
      expect(fired).toEqual(expected.map((e) => e.seq));
      expect(t.pending).toBe(0);
    },
  );

  it('stops before a far timer beyond `until`, then fires it on the next run', async () => {
    const t = new VirtualTimers(0);
    const fired: string[] = [];
    t.setTimer(10_000, () => fired.push('far'));
    t.setTimer(5, () => fired.push('near'));
    await t.runUntil(9_999);
    expect(fired).toEqual(['near']);
    expect(t.now()).toBe(9_999);
    expect(t.pending).toBe(1);
    await t.runUntil(10_000);
    expect(fired).toEqual(['near', 'far']);
  });

  it('a cleared far timer never fires and is not pending; a foreign handle is ignored', async () => {
    const t = new VirtualTimers(0);
    const other = new VirtualTimers(0);
    let n = 0;
    const h = t.setTimer(60_000, () => n++);
    const kept = t.setTimer(60_000, () => n++);
    other.clearTimer(kept); // not other's timer: nothing happens
    t.clearTimer({ id: (kept as { id: number }).id }); // a look-alike handle is not the timer
    t.clearTimer(h);
    t.clearTimer(h); // twice is harmless
    expect(t.pending).toBe(1);
    await t.runUntil();
    expect(n).toBe(1);
    expect(t.now()).toBe(60_000);
  });

  it('a throwing timer rejects runUntil with its error and later timers stay queued', async () => {
    const t = new VirtualTimers(0);
    const fired: string[] = [];
    t.setTimer(1, () => {
      throw new Error('boom');
    });
    t.setTimer(2, () => fired.push('after'));
    await expect(t.runUntil()).rejects.toThrow('boom');
    expect(fired).toEqual([]);
    await t.runUntil();
    expect(fired).toEqual(['after']);
  });

  it('drains promise chains after each timer before the next one fires', async () => {
    const t = new VirtualTimers(0);
    const log: string[] = [];
    t.setTimer(1, () => {
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => log.push(`chain done at ${t.now()}`));
    });
    t.setTimer(1, () => log.push('second timer'));
    await t.runUntil();
    expect(log).toEqual(['chain done at 1', 'second timer']);
  });
});

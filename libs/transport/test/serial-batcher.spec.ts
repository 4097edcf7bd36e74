import { SerialBatcher } from '../src/serial-batcher';

describe('SerialBatcher', () => {
  it('flushes items added in the same tick together, and what arrives during a flush next, in order', async () => {
    const flushes: number[][] = [];
    let release: () => void = () => undefined;
    const b = new SerialBatcher<number>(async (items) => {
      flushes.push(items);
      if (flushes.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = [b.add(1), b.add(2), b.add(3)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushes).toEqual([[1, 2, 3]]);
    // Flush 1 is still in flight: these wait and go out together.
    const second = [b.add(4), b.add(5)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushes).toEqual([[1, 2, 3]]);
    const third = b.add(6);
    release();
    await Promise.all([...first, ...second, third]);
    expect(flushes).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('never runs two flushes at once', async () => {
    let running = 0;
    let maxRunning = 0;
    const seen: number[] = [];
    const b = new SerialBatcher<number>(async (items) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(...items);
      running--;
    });
    const all: Array<Promise<void>> = [];
    for (let i = 0; i < 50; i++) {
      all.push(b.add(i));
      if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await Promise.all(all);
    expect(maxRunning).toBe(1);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('rejects exactly the callers of a failed flush, and keeps going', async () => {
    let calls = 0;
    const b = new SerialBatcher<string>(async () => {
      if (++calls === 1) throw new Error('broker down');
    });
    const failed = [b.add('a'), b.add('b')].map((p) => p.catch((e: Error) => e.message));
    expect(await Promise.all(failed)).toEqual(['broker down', 'broker down']);
    await expect(b.add('c')).resolves.toBeUndefined();
  });

  it('drain() waits for everything added so far, including a linger timer', async () => {
    const out: number[] = [];
    const b = new SerialBatcher<number>(async (items) => {
      out.push(...items);
    }, 20);
    void b.add(1);
    void b.add(2);
    expect(b.pending).toBe(2);
    await b.drain();
    expect(out).toEqual([1, 2]);
    expect(b.pending).toBe(0);
  });
});

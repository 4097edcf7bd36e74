import { ExpiryQueue } from '../src';

describe('ExpiryQueue', () => {
  it('hands back due keys oldest first, each once, and keeps the rest', () => {
    const q = new ExpiryQueue<string>();
    q.push('a', 10);
    q.push('b', 20);
    q.push('a', 30); // written again: queued again
    const seen: [string, number][] = [];
    const expire = (k: string, at: number) => void seen.push([k, at]);
    q.drain(9, expire);
    expect(seen).toEqual([]);
    q.drain(20, expire);
    expect(seen).toEqual([
      ['a', 10],
      ['b', 20],
    ]);
    expect(q.length).toBe(1);
    q.drain(20, expire);
    expect(seen).toHaveLength(2);
    q.drain(1_000, expire);
    expect(seen.at(-1)).toEqual(['a', 30]);
    expect(q.length).toBe(0);
  });

  it('lets a store drop only entries whose own due time came', () => {
    const store = new Map<string, number>(); // key -> expires at
    const q = new ExpiryQueue<string>();
    const write = (k: string, now: number) => {
      store.set(k, now + 100);
      q.push(k, now + 100);
    };
    write('x', 0);
    write('y', 10);
    write('x', 50); // x lives to 150 now
    q.drain(120, (k, at) => {
      if (store.get(k) === at) store.delete(k);
    });
    expect([...store.keys()]).toEqual(['x']);
  });

  it('stays bounded over a long run and refuses due times that go back', () => {
    const q = new ExpiryQueue<number>();
    let dropped = 0;
    for (let t = 0; t < 100_000; t++) {
      q.push(t, t + 50);
      q.drain(t, () => dropped++);
    }
    expect(q.length).toBe(50);
    expect(dropped).toBe(100_000 - 50);
    expect(() => q.push(1, 10)).toThrow(/not decrease/);
    expect(() => q.push(1, Number.NaN)).toThrow(/finite/);
    q.clear();
    expect(q.length).toBe(0);
    q.push(1, 10); // after clear, any start
  });
});

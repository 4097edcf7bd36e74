import { Random } from '../../domain/src';
import { MemoryStorage } from '../src/storage';
import type { Entry } from '../src/types';

const ents = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ index: from + i, term, data: `d${from + i}` }));

describe('MemoryStorage', () => {
  it('keeps synced writes and loses at most the unsynced suffix on a crash', () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const s = new MemoryStorage();
      s.save({ entries: ents(1, 3, 1), hardState: { term: 1, vote: 1, commit: 2 } });
      s.write({ entries: ents(4, 5, 2), hardState: { term: 2, vote: 3, commit: 4 } });
      expect(s.unsynced).toBe(2);
      s.crash(new Random(seed));
      const st = s.load();
      const idx = st.entries.map((e) => e.index);
      // Ordered writes: the hard state never survives without the entries written before it.
      if (st.hardState.term === 2) expect(idx).toEqual([1, 2, 3, 4, 5]);
      else expect(st.hardState).toEqual({ term: 1, vote: 1, commit: 2 });
      expect(idx.slice(0, 3)).toEqual([1, 2, 3]);
      outcomes.add(`${idx.length}:${st.hardState.term}`);
    }
    expect([...outcomes].sort()).toEqual(['3:1', '5:1', '5:2']);
  });

  it('drops entries covered by a snapshot and keeps the matching tail', () => {
    const s = new MemoryStorage();
    s.save({ entries: ents(1, 10, 1) });
    s.save({ snapshot: { index: 6, term: 1, data: 'img' } });
    expect(s.load().entries.map((e) => e.index)).toEqual([7, 8, 9, 10]);
    // A snapshot from a leader that does not match our log replaces it all.
    s.save({ snapshot: { index: 8, term: 2, data: 'img2' } });
    expect(s.load().entries).toEqual([]);
    expect(() => s.save({ entries: ents(11, 11, 2) })).toThrow(/gap/);
  });
});

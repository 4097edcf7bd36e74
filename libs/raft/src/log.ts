import type { Entry, Snapshot } from './types';

/**
 * A node's in-memory view of its log: the snapshot boundary (index and term of the last
 * compacted entry) and every entry after it. Entry i lives at entries[i - snapIndex - 1].
 */
export class RaftLog {
  snapIndex: number;
  snapTerm: number;
  entries: Entry[];

  constructor(snapshot: Pick<Snapshot, 'index' | 'term'> | null, entries: readonly Entry[]) {
    this.snapIndex = snapshot?.index ?? 0;
    this.snapTerm = snapshot?.term ?? 0;
    this.entries = entries.filter((e) => e.index > this.snapIndex);
    this.entries.forEach((e, i) => {
      if (e.index !== this.snapIndex + 1 + i) throw new Error(`log gap at index ${e.index}`);
    });
  }

  lastIndex(): number {
    return this.snapIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  /** Term of entry i; undefined when i is compacted away or beyond the end. */
  term(i: number): number | undefined {
    if (i === this.snapIndex) return this.snapTerm;
    if (i < this.snapIndex || i > this.lastIndex()) return undefined;
    return this.entries[i - this.snapIndex - 1]!.term;
  }

  entry(i: number): Entry | undefined {
    return i > this.snapIndex ? this.entries[i - this.snapIndex - 1] : undefined;
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /** The election restriction: is a candidate whose log ends at (index, term) at least as up to date? */
  isUpToDate(index: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && index >= this.lastIndex());
  }

  /** Entries [lo, hi), lo clamped to the first entry still held. */
  slice(lo: number, hi: number): Entry[] {
    const from = Math.max(lo, this.snapIndex + 1) - this.snapIndex - 1;
    const to = Math.min(hi, this.lastIndex() + 1) - this.snapIndex - 1;
    return to > from ? this.entries.slice(from, to) : [];
  }

  /** Index of the first entry of `ents` that is missing or has a different term; 0 if none. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with its term: the conflict hint that
   * lets a leader skip a whole term of divergent entries in one round trip.
   */
  findConflictByTerm(index: number, term: number): [number, number] {
    let i = Math.min(index, this.lastIndex());
    while (i > this.snapIndex) {
      const t = this.term(i)!;
      if (t <= term) return [i, t];
      i--;
    }
    return [this.snapIndex, this.snapTerm <= term ? this.snapTerm : 0];
  }

  /** Drops every entry from ents[0].index on and appends `ents`. */
  truncateAndAppend(ents: readonly Entry[]): void {
    if (ents.length === 0) return;
    const keep = ents[0]!.index - this.snapIndex - 1;
    if (keep < 0 || keep > this.entries.length) throw new Error(`append at ${ents[0]!.index} out of range`);
    this.entries.length = keep;
    for (const e of ents) this.entries.push(e);
  }

  /** Forgets entries up to and including `index` (they are in a snapshot). */
  compact(index: number): void {
    if (index <= this.snapIndex) return;
    if (index > this.lastIndex()) throw new Error(`compact ${index} beyond last index ${this.lastIndex()}`);
    this.snapTerm = this.term(index)!;
    this.entries = this.entries.slice(index - this.snapIndex);
    this.snapIndex = index;
  }

  /** Replaces the whole log with a snapshot boundary. */
  restore(s: Snapshot): void {
    this.snapIndex = s.index;
    this.snapTerm = s.term;
    this.entries = [];
  }
}

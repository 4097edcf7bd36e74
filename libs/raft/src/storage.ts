import type { Random } from '../../domain/src';
import { EMPTY_HARD_STATE, type Entry, type HardState, type PersistedState, type Snapshot } from './types';

/** The durable part of a Ready, in the order it must reach the disk. */
export interface StorageWrite {
  snapshot?: Snapshot | null;
  entries?: readonly Entry[];
  hardState?: HardState | null;
}

/**
 * Where a node keeps its term, vote, commit, log and snapshot. `save` returns once the write is
 * durable; `load` gives the state to restart from.
 */
export interface RaftStorage {
  load(): PersistedState;
  save(w: StorageWrite): void;
  /**
   * Optional: the same write, durable when the promise resolves, without blocking the event loop
   * on the fsync. The caller starts no other write until it resolves.
   */
  saveAsync?(w: StorageWrite): Promise<void>;
  close?(): void;
}

type Op =
  { kind: 'snap'; snap: Snapshot } | { kind: 'ents'; entries: Entry[] } | { kind: 'hs'; hs: HardState };

/** Applies one write to a durable image: a snapshot drops the entries it covers, entries truncate the tail. */
export function applyOp(
  state: { hardState: HardState; snapshot: Snapshot | null; entries: Entry[] },
  op: Op,
): void {
  if (op.kind === 'hs') {
    state.hardState = { ...op.hs };
  } else if (op.kind === 'snap') {
    if (state.snapshot && op.snap.index <= state.snapshot.index) return;
    // The tail survives only if our log agrees with the snapshot at its last index (asked
    // before the snapshot replaces the old boundary).
    const last = state.entries[state.entries.length - 1];
    const keepTail =
      last !== undefined && last.index > op.snap.index && entryTerm(state, op.snap.index) === op.snap.term;
    state.snapshot = op.snap;
    state.entries = keepTail ? state.entries.filter((e) => e.index > op.snap.index) : [];
  } else if (op.entries.length > 0) {
    const first = op.entries[0]!.index;
    const base = state.snapshot?.index ?? 0;
    // Held entries are consecutive, so the ones before `first` are a prefix: cut in place
    // (a filter here copied the whole log on every append).
    const held = state.entries[0]?.index ?? first;
    state.entries.length = Math.max(0, Math.min(state.entries.length, first - held));
    const lastKept = state.entries[state.entries.length - 1]?.index ?? base;
    if (first !== lastKept + 1) throw new Error(`storage gap: append at ${first} after ${lastKept}`);
    for (const e of op.entries) state.entries.push(e);
  }
}

function entryTerm(
  state: { snapshot: Snapshot | null; entries: Entry[] },
  index: number,
): number | undefined {
  if (state.snapshot?.index === index) return state.snapshot.term;
  return state.entries.find((e) => e.index === index)?.term;
}

export function toOps(w: StorageWrite): Op[] {
  const ops: Op[] = [];
  if (w.snapshot) ops.push({ kind: 'snap', snap: w.snapshot });
  if (w.entries && w.entries.length > 0) ops.push({ kind: 'ents', entries: [...w.entries] });
  if (w.hardState) ops.push({ kind: 'hs', hs: w.hardState });
  return ops;
}

/**
 * In-memory storage for simulation. `write` queues unsynced writes, `sync` makes them durable,
 * and `crash` keeps only a random prefix of what was unsynced — as a torn append-only file would.
 */
export class MemoryStorage implements RaftStorage {
  private durable: { hardState: HardState; snapshot: Snapshot | null; entries: Entry[] } = {
    hardState: { ...EMPTY_HARD_STATE },
    snapshot: null,
    entries: [],
  };
  private pending: Op[] = [];

  load(): PersistedState {
    return {
      hardState: { ...this.durable.hardState },
      snapshot: this.durable.snapshot,
      entries: [...this.durable.entries],
    };
  }

  save(w: StorageWrite): void {
    this.write(w);
    this.sync();
  }

  write(w: StorageWrite): void {
    this.pending.push(...toOps(w));
  }

  sync(): void {
    for (const op of this.pending) applyOp(this.durable, op);
    this.pending = [];
  }

  get unsynced(): number {
    return this.pending.length;
  }

  /** A crash: some prefix of the unsynced writes may have reached the disk, the rest is gone. */
  crash(random: Random): number {
    const keep = random.int(this.pending.length + 1);
    for (const op of this.pending.slice(0, keep)) applyOp(this.durable, op);
    const lost = this.pending.length - keep;
    this.pending = [];
    return lost;
  }
}

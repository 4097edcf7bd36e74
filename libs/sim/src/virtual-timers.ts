import { realSetImmediate, type TimerHandle, type Timers } from '../../domain/src';

const LIVE = 0;
const CANCELLED = 1;
const DONE = 2;

/** One timer; it is also the handle `setTimer` returns, so clearing needs no lookup. */
class TimerEntry implements TimerHandle {
  state = LIVE;
  /** In the heap (not waiting in a far bucket): a clearing then counts towards compaction. */
  inHeap = false;
  constructor(
    readonly owner: VirtualTimers,
    readonly id: number,
    readonly at: number,
    public fn: (() => void) | null,
  ) {}
}

/** Timers due at least this far ahead wait in coarse buckets, out of the heap (ms). */
const FAR_MS = 2_048;
/** Width of one far bucket (ms). */
const BUCKET_MS = 1_024;
/** Rebuild the heap once this many cancelled timers sit in it (and they are most of it). */
const COMPACT_CANCELLED = 4096;
/** Timers fired per event-loop turn (each still followed by a full microtask drain). */
const IMMEDIATES_PER_TURN = 256;

/**
 * A virtual clock with a binary heap of timers: the discrete-event core of simulated runs.
 * Timers due at the same instant fire in the order they were set, so a seed replays exactly.
 * Between two timers, pending promise callbacks (microtasks) are drained, so async cores
 * (LedgerStore, Bus) behave as they would on the wall clock, only with time standing still.
 *
 * Most long timers are timeouts cleared long before they are due (a request's, a breaker call's).
 * Those due FAR_MS or more ahead wait in per-second buckets and join the heap only when their
 * bucket's start is reached, so the heap holds the near future and a cleared timeout never
 * touches it. The firing order is the same (time, then set order) either way.
 */
export class VirtualTimers implements Timers {
  private time: number;
  private seq = 0;
  /** Binary min-heap on (at, id), near timers. */
  private heap: TimerEntry[] = [];
  /** Far timers by bucket (Math.floor(at / BUCKET_MS)), and the bucket numbers in a min-heap. */
  private readonly far = new Map<number, TimerEntry[]>();
  private readonly farKeys: number[] = [];
  private live = 0;
  private fired = 0;
  /** Cancelled entries still in the heap (clearTimer only marks them). */
  private cancelledInHeap = 0;

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  /** Timers set and neither fired nor cleared. */
  get pending(): number {
    return this.live;
  }

  get firedCount(): number {
    return this.fired;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const d = delayMs > 0 ? delayMs : 0;
    const e = new TimerEntry(this, ++this.seq, this.time + d, fn);
    this.live++;
    if (d >= FAR_MS) {
      const b = Math.floor(e.at / BUCKET_MS);
      const bucket = this.far.get(b);
      if (bucket) bucket.push(e);
      else {
        this.far.set(b, [e]);
        pushNumber(this.farKeys, b);
      }
    } else this.push(e);
    return e;
  }

  clearTimer(handle: TimerHandle): void {
    if (!(handle instanceof TimerEntry) || handle.owner !== this || handle.state !== LIVE) return;
    handle.state = CANCELLED;
    // Let go of the callback (and the request it closes over) now, not when the entry is reached.
    handle.fn = null;
    this.live--;
    // A far timer is dropped when its bucket is reached; only heap entries count towards compaction.
    if (handle.inHeap && ++this.cancelledInHeap >= COMPACT_CANCELLED) {
      if (this.cancelledInHeap * 2 > this.heap.length) this.compact();
    }
  }

  /**
   * Fires timers in time order until none is due at or before `until` (or none is left),
   * draining microtasks after each. Returns the number of timers fired.
   *
   * Each timer fires from its own `setImmediate` callback: Node drains every microtask between two
   * immediates of one check phase, so a timer's promise chains finish before the next timer fires,
   * and a batch of immediates costs one event-loop turn instead of one turn (and poll) per timer.
   */
  async runUntil(until: number = Infinity, maxEvents = Infinity): Promise<number> {
    const state = { n: 0, done: false };
    await drainMicrotasks();
    while (!state.done) {
      await new Promise<void>((resolve, reject) => {
        const step = (): void => {
          if (state.done) return;
          try {
            if (state.n >= maxEvents || !this.fireNext(until)) state.done = true;
            else state.n++;
          } catch (err) {
            // A throwing timer ends the run with its error, as it would have without batching.
            state.done = true;
            reject(err);
          }
        };
        for (let i = 0; i < IMMEDIATES_PER_TURN; i++) realSetImmediate(step);
        realSetImmediate(resolve);
      });
    }
    if (until !== Infinity && this.time < until && state.n < maxEvents) this.time = until;
    return state.n;
  }

  /** Fires the earliest live timer if it is due at or before `until`; false when none is. */
  private fireNext(until: number): boolean {
    for (;;) {
      const top = this.heap[0];
      // A far bucket whose start is not after the heap's next timer may hold an earlier one.
      if (this.farKeys.length > 0 && (top === undefined || this.farKeys[0]! * BUCKET_MS <= top.at)) {
        if (this.farKeys[0]! * BUCKET_MS > until) return false;
        this.migrate();
        continue;
      }
      if (top === undefined) return false;
      if (top.state === CANCELLED) {
        this.pop();
        this.cancelledInHeap--;
        continue;
      }
      if (top.at > until) return false;
      this.pop();
      top.state = DONE;
      this.live--;
      if (top.at > this.time) this.time = top.at;
      this.fired++;
      const fn = top.fn!;
      top.fn = null;
      fn();
      return true;
    }
  }

  /** Moves the earliest far bucket's live timers into the heap. */
  private migrate(): void {
    const b = popNumber(this.farKeys)!;
    const bucket = this.far.get(b)!;
    this.far.delete(b);
    for (const e of bucket) if (e.state === LIVE) this.push(e);
  }

  private compact(): void {
    const old = this.heap;
    this.heap = [];
    for (const e of old) if (e.state === LIVE) this.push(e);
    this.cancelledInHeap = 0;
  }

  private push(e: TimerEntry): void {
    e.inHeap = true;
    const h = this.heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const q = h[p]!;
      if (q.at < e.at || (q.at === e.at && q.id < e.id)) break;
      h[i] = q;
      i = p;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    const n = h.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let m = l;
      let c = h[l]!;
      const r = l + 1;
      if (r < n) {
        const d = h[r]!;
        if (d.at < c.at || (d.at === c.at && d.id < c.id)) {
          m = r;
          c = d;
        }
      }
      if (last.at < c.at || (last.at === c.at && last.id < c.id)) break;
      h[i] = c;
      i = m;
    }
    h[i] = last;
  }
}

function pushNumber(h: number[], x: number): void {
  let i = h.length;
  h.push(x);
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]! <= x) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = x;
}

function popNumber(h: number[]): number | undefined {
  if (h.length === 0) return undefined;
  const top = h[0]!;
  const last = h.pop()!;
  const n = h.length;
  if (n === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const m = r < n && h[r]! < h[l]! ? r : l;
    if (last <= h[m]!) break;
    h[i] = h[m]!;
    i = m;
  }
  h[i] = last;
  return top;
}

/**
 * Lets every queued promise callback run. A macrotask boundary (setImmediate) runs after all
 * microtasks, however long their chain, and no I/O is involved, so the order is deterministic.
 */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

import { MinHeap } from '../../collections/src';
import type { TimerHandle, Timers } from '../../domain/src';

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Rebuild the heap once this many cancelled timers sit in it (and they are most of it). */
const COMPACT_CANCELLED = 4096;

/**
 * A virtual clock with a binary heap of timers: the discrete-event core of simulated runs.
 * Timers due at the same instant fire in the order they were set, so a seed replays exactly.
 * Between two timers, pending promise callbacks (microtasks) are drained, so async cores
 * (LedgerStore, Bus) behave as they would on the wall clock, only with time standing still.
 */
export class VirtualTimers implements Timers {
  private time: number;
  private seq = 0;
  private heap = new MinHeap<Entry>(before);
  private readonly byId = new Map<number, Entry>();
  private fired = 0;
  /** Cancelled entries still in the heap (clearTimer only marks them). */
  private cancelledInHeap = 0;

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  get pending(): number {
    return this.byId.size;
  }

  get firedCount(): number {
    return this.fired;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    const e: Entry = { at: this.time + Math.max(0, delayMs), seq: id, fn, cancelled: false };
    this.byId.set(id, e);
    this.heap.push(e);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const e = this.byId.get(handle.id);
    if (e) {
      e.cancelled = true;
      this.byId.delete(handle.id);
      // Timeouts are mostly cleared long before they are due: without compaction the heap would
      // hold every request's timeout for its full length, and each push and pop would pay for it.
      if (++this.cancelledInHeap >= COMPACT_CANCELLED && this.cancelledInHeap * 2 > this.heap.length)
        this.compact();
    }
  }

  private compact(): void {
    const heap = new MinHeap<Entry>(before);
    for (const e of this.byId.values()) heap.push(e);
    this.heap = heap;
    this.cancelledInHeap = 0;
  }

  /**
   * Fires timers in time order until none is due at or before `until` (or none is left),
   * draining microtasks after each. Returns the number of timers fired.
   */
  async runUntil(until: number = Infinity, maxEvents = Infinity): Promise<number> {
    let n = 0;
    await drainMicrotasks();
    while (this.heap.length > 0 && n < maxEvents) {
      const top = this.heap.peek()!;
      if (top.cancelled) {
        this.heap.pop();
        this.cancelledInHeap--;
        continue;
      }
      if (top.at > until) break;
      this.heap.pop();
      this.byId.delete(top.seq);
      this.time = Math.max(this.time, top.at);
      top.fn();
      n++;
      this.fired++;
      await drainMicrotasks();
    }
    if (until !== Infinity && this.time < until && n < maxEvents) this.time = until;
    return n;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * Lets every queued promise callback run. A macrotask boundary (setImmediate) runs after all
 * microtasks, however long their chain, and no I/O is involved, so the order is deterministic.
 */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

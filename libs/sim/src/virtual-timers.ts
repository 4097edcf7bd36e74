import type { TimerHandle, Timers } from '../../domain/src';

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A virtual clock with a binary heap of timers: the discrete-event core of simulated runs.
 * Timers due at the same instant fire in the order they were set, so a seed replays exactly.
 * Between two timers, pending promise callbacks (microtasks) are drained, so async cores
 * (LedgerStore, Bus) behave as they would on the wall clock, only with time standing still.
 */
export class VirtualTimers implements Timers {
  private time: number;
  private seq = 0;
  private readonly heap: Entry[] = [];
  private readonly byId = new Map<number, Entry>();
  private fired = 0;

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
    this.push(e);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const e = this.byId.get(handle.id);
    if (e) {
      e.cancelled = true;
      this.byId.delete(handle.id);
    }
  }

  /**
   * Fires timers in time order until none is due at or before `until` (or none is left),
   * draining microtasks after each. Returns the number of timers fired.
   */
  async runUntil(until: number = Infinity, maxEvents = Infinity): Promise<number> {
    let n = 0;
    await drainMicrotasks();
    while (this.heap.length > 0 && n < maxEvents) {
      const top = this.heap[0]!;
      if (top.cancelled) {
        this.pop();
        continue;
      }
      if (top.at > until) break;
      this.pop();
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

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
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

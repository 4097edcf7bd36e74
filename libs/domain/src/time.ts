/** NPCI timeouts from 16 June 2025 (upi-facts.md): defaults, never hidden constants in the cores. */
export const UPI_TIMEOUTS_MS = {
  reqPay: 15_000,
  checkStatus: 10_000,
  reversal: 10_000,
  validateAddress: 10_000,
} as const;

/** Time is injected: cores never read the global clock, so the simulator can run them. */
export interface Clock {
  /** Milliseconds on this run's clock (wall or virtual). */
  now(): number;
}

export interface TimerHandle {
  readonly id: number;
}

/** Timers on the same clock. The wall implementation uses setTimeout; the simulator a heap. */
export interface Timers extends Clock {
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** The wall clock, for embedded and live runs. */
export class WallTimers implements Timers {
  private seq = 0;
  private readonly live = new Map<number, NodeJS.Timeout | NodeJS.Immediate>();
  private readonly origin = performance.timeOrigin;

  now(): number {
    return this.origin + performance.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    const run = () => {
      this.live.delete(id);
      fn();
    };
    // setTimeout(0) waits at least 1 ms; a message hop that should be immediate takes the next turn.
    this.live.set(id, delayMs > 0 ? setTimeout(run, delayMs) : setImmediate(run));
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.live.get(handle.id);
    if (t) {
      clear(t);
      this.live.delete(handle.id);
    }
  }

  /** Cancels every pending timer (used when a run shuts down). */
  clearAll(): void {
    for (const t of this.live.values()) clear(t);
    this.live.clear();
  }
}

function clear(t: NodeJS.Timeout | NodeJS.Immediate): void {
  if ('hasRef' in t && 'refresh' in t) clearTimeout(t as NodeJS.Timeout);
  else clearImmediate(t as NodeJS.Immediate);
}

/**
 * The process's own setImmediate, captured when this module loads: a simulated run replaces the
 * global one with a virtual-clock event (see installVirtualGlobalClock), while the simulator's
 * event loop itself still needs the real one to let promise callbacks run between events.
 */
export const realSetImmediate: typeof setImmediate = globalThis.setImmediate;

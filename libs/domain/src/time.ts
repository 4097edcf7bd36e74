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
  private readonly live = new Map<number, NodeJS.Timeout>();
  private readonly origin = performance.timeOrigin;

  now(): number {
    return this.origin + performance.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    const t = setTimeout(
      () => {
        this.live.delete(id);
        fn();
      },
      Math.max(0, delayMs),
    );
    this.live.set(id, t);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.live.get(handle.id);
    if (t) {
      clearTimeout(t);
      this.live.delete(handle.id);
    }
  }

  /** Cancels every pending timer (used when a run shuts down). */
  clearAll(): void {
    for (const t of this.live.values()) clearTimeout(t);
    this.live.clear();
  }
}

/** How an open-model driver admits arrivals: a fixed number of request slots, and a bound on lateness. */
export interface GateOptions {
  /** Requests that may be in flight at once (the keep-alive connections). */
  readonly slots: number;
  /**
   * How late after its scheduled time an arrival may still be sent (ms). An arrival that cannot get
   * a slot within it — or whose timer itself fired later than that — is dropped and counted, as
   * k6 counts `dropped_iterations`, instead of silently slowing the offered rate.
   */
  readonly maxLagMs: number;
  /** Sent later than this (ms) counts as late (but sent). Default 50. */
  readonly lateAfterMs?: number;
}

export interface GateStats {
  readonly sent: number;
  readonly late: number;
  readonly dropped: number;
  /** Largest lateness of a sent arrival (ms). */
  readonly maxLagMs: number;
  /** Dropped arrivals per second of their scheduled time. */
  readonly droppedBySec: readonly number[];
}

/**
 * Admission between the arrival schedule and the connections: FIFO wait for a free slot, bounded
 * by `maxLagMs`. Pure: time comes from `now` (ms on the run's clock, the arrivals' `atMs` clock).
 */
export class ArrivalGate<T extends { readonly atMs: number }> {
  private readonly waiting: T[] = [];
  private head = 0;
  private inFlight = 0;
  private sent = 0;
  private late = 0;
  private dropped = 0;
  private maxLag = 0;
  private readonly droppedBySec: number[] = [];
  private readonly lateAfterMs: number;

  constructor(
    private readonly o: GateOptions,
    private readonly now: () => number,
    /** Sends an admitted arrival; `release` must be called once when its request is over. */
    private readonly send: (item: T, release: () => void) => void,
    private readonly onDrop?: (item: T) => void,
  ) {
    if (!(o.slots >= 1)) throw new Error(`gate: slots must be >= 1, got ${o.slots}`);
    if (!(o.maxLagMs >= 0)) throw new Error(`gate: maxLagMs must be >= 0, got ${o.maxLagMs}`);
    this.lateAfterMs = o.lateAfterMs ?? 50;
  }

  /** An arrival whose time has come (or passed). */
  offer(item: T): void {
    if (this.now() - item.atMs > this.o.maxLagMs) return this.drop(item);
    if (this.inFlight < this.o.slots && this.queued === 0) this.admit(item);
    else this.waiting.push(item);
  }

  get queued(): number {
    return this.waiting.length - this.head;
  }

  get active(): number {
    return this.inFlight;
  }

  /** Drops whatever still waits (the run is over). */
  close(): void {
    while (this.queued > 0) this.drop(this.shift());
  }

  stats(): GateStats {
    return {
      sent: this.sent,
      late: this.late,
      dropped: this.dropped,
      maxLagMs: Math.round(this.maxLag * 10) / 10,
      droppedBySec: [...this.droppedBySec].map((x) => x ?? 0),
    };
  }

  private admit(item: T): void {
    const lag = Math.max(0, this.now() - item.atMs);
    this.inFlight++;
    this.sent++;
    if (lag > this.lateAfterMs) this.late++;
    if (lag > this.maxLag) this.maxLag = lag;
    let released = false;
    this.send(item, () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.pump();
    });
  }

  /** A slot is free: the oldest waiting arrival still within its bound gets it; older ones are dropped. */
  private pump(): void {
    while (this.inFlight < this.o.slots && this.queued > 0) {
      const item = this.shift();
      if (this.now() - item.atMs > this.o.maxLagMs) this.drop(item);
      else this.admit(item);
    }
  }

  private shift(): T {
    const item = this.waiting[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  private drop(item: T): void {
    this.dropped++;
    const sec = Math.max(0, Math.floor(item.atMs / 1000));
    for (let i = this.droppedBySec.length; i <= sec; i++) this.droppedBySec.push(0);
    this.droppedBySec[sec]!++;
    this.onDrop?.(item);
  }
}

/** Several gates' counts as one (a driver with one gate per target). */
export function mergeGateStats(all: readonly GateStats[]): GateStats {
  const bySec: number[] = [];
  for (const g of all) g.droppedBySec.forEach((n, sec) => (bySec[sec] = (bySec[sec] ?? 0) + n));
  return {
    sent: all.reduce((a, g) => a + g.sent, 0),
    late: all.reduce((a, g) => a + g.late, 0),
    dropped: all.reduce((a, g) => a + g.dropped, 0),
    maxLagMs: all.reduce((a, g) => Math.max(a, g.maxLagMs), 0),
    droppedBySec: Array.from(bySec, (n) => n ?? 0),
  };
}

import type { TimerHandle, Timers } from '../../domain/src';

/**
 * opossum reads the global clock: `setTimeout` for its call timeout and reset timer,
 * `setInterval` for its rolling window, `Date.now` for latencies. The lab's cores take time from a
 * `Timers` instead, so in a simulated run the two clocks must be one. This installs the run's
 * virtual `Timers` as the process's global clock: global timers become entries of the same event
 * heap as the simulator's own, firing in one deterministic order at virtual instants. No second
 * fake clock has to be kept in step.
 *
 * Only for a process that is a simulation (the simulator's own process, or a test): every library
 * in it then runs on virtual time. `setImmediate` becomes a zero-delay virtual timer too: "on a
 * later turn" then means "after what is already due at this instant", and work deferred that way
 * (Raft's in-process network) cannot drift in virtual time however the simulator batches its
 * events. The simulator's loop keeps the real one (`realSetImmediate`); `process.nextTick` and
 * promise callbacks stay real (they run between events, with time standing still).
 */
export function installVirtualGlobalClock(timers: Timers): () => void {
  if (installed) throw new Error('a virtual global clock is already installed in this process');
  const g = globalThis as unknown as Record<
    'setTimeout' | 'clearTimeout' | 'setInterval' | 'clearInterval' | 'setImmediate' | 'clearImmediate',
    unknown
  >;
  const real = {
    setTimeout: g.setTimeout,
    clearTimeout: g.clearTimeout as (h: unknown) => void,
    setInterval: g.setInterval,
    clearInterval: g.clearInterval as (h: unknown) => void,
    setImmediate: g.setImmediate,
    clearImmediate: g.clearImmediate as (h: unknown) => void,
    dateNow: Date.now,
  };

  const clear = (h: unknown, realClear: (h: unknown) => void): void => {
    if (h instanceof VirtualTimeout) h.cancel();
    else if (h !== undefined && h !== null) realClear(h);
  };

  g.setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    new VirtualTimeout(timers, () => fn(...args), delay(ms), false);
  g.setInterval = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    new VirtualTimeout(timers, () => fn(...args), Math.max(1, delay(ms)), true);
  g.clearTimeout = (h: unknown) => clear(h, real.clearTimeout);
  g.clearInterval = (h: unknown) => clear(h, real.clearInterval);
  g.setImmediate = (fn: (...a: unknown[]) => void, ...args: unknown[]) =>
    new VirtualTimeout(timers, () => fn(...args), 0, false);
  g.clearImmediate = (h: unknown) => clear(h, real.clearImmediate);
  Date.now = () => Math.floor(timers.now());
  installed = true;

  return () => {
    g.setTimeout = real.setTimeout;
    g.clearTimeout = real.clearTimeout;
    g.setInterval = real.setInterval;
    g.clearInterval = real.clearInterval;
    g.setImmediate = real.setImmediate;
    g.clearImmediate = real.clearImmediate;
    Date.now = real.dateNow;
    installed = false;
  };
}

let installed = false;

function delay(ms: number | undefined): number {
  const d = Number(ms);
  return Number.isFinite(d) && d > 0 ? d : 0;
}

/** What the global setTimeout/setInterval return under a virtual clock: the Node Timeout surface that libraries touch. */
class VirtualTimeout {
  private static seq = 0;
  readonly id = ++VirtualTimeout.seq;
  private handle: TimerHandle | null = null;

  constructor(
    private readonly timers: Timers,
    private readonly fn: () => void,
    private readonly ms: number,
    private readonly repeat: boolean,
  ) {
    this.arm();
  }

  cancel(): void {
    if (this.handle) this.timers.clearTimer(this.handle);
    this.handle = null;
  }

  refresh(): this {
    this.cancel();
    this.arm();
    return this;
  }

  // Virtual timers never keep a process alive: there is no event loop waiting on them.
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return false;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }

  private arm(): void {
    this.handle = this.timers.setTimer(this.ms, () => {
      if (this.repeat) this.arm();
      else this.handle = null;
      this.fn();
    });
  }
}

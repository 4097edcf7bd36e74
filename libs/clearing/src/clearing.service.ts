import type { SettlementEntry, TimerHandle, Timers } from '../../domain/src';
import type { Bus, Subscription } from '../../transport/src/bus';
import { TOPICS } from '../../transport/src/topics';
import { ClearingCore, type CycleReport } from './clearing-core';

export interface ClearingServiceOptions {
  readonly bus: Bus;
  readonly timers: Timers;
  /** Settlement cycle length on the run clock (NPCI: 10 cycles a day; scenarios shorten it). */
  readonly cycleMs: number;
}

export interface ClearingStats {
  readonly accepted: number;
  readonly duplicates: number;
  readonly invalid: number;
  readonly cyclesClosed: number;
  readonly openEntries: number;
}

/** Takes the switch's settlement entries off the bus and closes a settlement cycle every cycleMs. */
export class ClearingService {
  private core: ClearingCore | null = null;
  private sub: Subscription | null = null;
  private timer: TimerHandle | null = null;
  private accepted = 0;
  private invalid = 0;

  constructor(private readonly opts: ClearingServiceOptions) {
    if (!(Number.isFinite(opts.cycleMs) && opts.cycleMs > 0))
      throw new Error(`cycleMs must be a positive number, got ${opts.cycleMs}`);
  }

  async start(): Promise<void> {
    if (this.core) return;
    const core = new ClearingCore({ cycleMs: this.opts.cycleMs, startAt: this.opts.timers.now() });
    this.core = core;
    this.sub = await this.opts.bus.subscribe<SettlementEntry>(TOPICS.settlement, 'clearing', (batch) => {
      for (const env of batch) {
        try {
          if (core.add(env.value)) this.accepted++;
        } catch {
          // A malformed entry is counted, not allowed to stall the partition.
          this.invalid++;
        }
      }
    });
    this.arm();
  }

  /** Stops consuming and closes the last (partial) cycle. */
  async stop(): Promise<void> {
    const core = this.core;
    if (!core || !this.sub) return;
    if (this.timer) this.opts.timers.clearTimer(this.timer);
    this.timer = null;
    const sub = this.sub;
    this.sub = null;
    await sub.close();
    core.closeCycle(Math.max(core.openedAt, this.opts.timers.now()));
  }

  /** See ClearingCore.forget. */
  forget(txnId: string): void {
    this.core?.forget(txnId);
  }

  reports(): readonly CycleReport[] {
    return this.core?.reports() ?? [];
  }

  totals(): Record<string, number> {
    return this.core?.totals() ?? {};
  }

  stats(): ClearingStats {
    return {
      accepted: this.accepted,
      duplicates: this.core?.duplicateCount ?? 0,
      invalid: this.invalid,
      cyclesClosed: this.core?.reports().length ?? 0,
      openEntries: this.core?.openEntries ?? 0,
    };
  }

  /** Cut-offs are on a fixed grid from the start, so a late timer does not drift the cycles. */
  private arm(): void {
    const core = this.core!;
    const delay = Math.max(0, core.nextCutoff - this.opts.timers.now());
    this.timer = this.opts.timers.setTimer(delay, () => {
      this.timer = null;
      if (!this.sub) return;
      core.closeCycle(core.nextCutoff);
      this.arm();
    });
  }
}

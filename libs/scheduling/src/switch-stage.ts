import type { TimerHandle, Timers } from '../../domain/src';
import type { Batcher } from './batcher';
import type { Scheduler } from './scheduler';
import {
  DEFAULT_STAGE_MODEL,
  capacityTps,
  serviceMs,
  validateStageModel,
  type SwitchStageModel,
} from './stage-model';
import type { SystemTrafficGate } from './system-gate';
import type { ItemMeta, PerClass } from './types';

const MIN_WAIT_MS = 0.01;

export interface ServedInfo {
  /** When the batch left the queue. */
  readonly startedAt: number;
  /** When its service finished (now, in onServed): the 2PC of each item starts here. */
  readonly servedAt: number;
}

/** What the stage parks in a SystemTrafficGate: the item and its meta. */
export interface GatedItem<T> {
  readonly item: T;
  readonly meta: ItemMeta;
}

export interface SwitchStageOptions<T> {
  readonly timers: Timers;
  readonly scheduler: Scheduler<T>;
  readonly batcher: Batcher;
  readonly model?: SwitchStageModel;
  /** Holds SYSTEM-initiated items (NPCI peak windows, rate limit). Without one they queue like customers'. */
  readonly gate?: SystemTrafficGate<GatedItem<T>>;
  /** A batch has been served: start each item's 2PC. */
  readonly onServed: (batch: T[], info: ServedInfo) => void;
  /** Items that could not be served by their class deadline (answer with QD). */
  readonly onExpired?: (items: T[]) => void;
  /** Items shed under overload, refused newcomers included (answer with QS). */
  readonly onShed?: (items: T[]) => void;
}

export type StageVerdict = 'queued' | 'held' | 'shed';

export interface StageCounters {
  offered: number;
  served: number;
  batches: number;
  expired: number;
  shed: number;
  /** SYSTEM items that had to wait in the gate (counted once, when held). */
  held: number;
}

/**
 * The switch as a queueing stage: items are offered to a Scheduler, a Batcher decides when a free
 * server takes a batch, and the batch is served after the model's service time. Overload shows as
 * queueing, deadline drops and shedding. Host-agnostic: only the injected Timers are used, so it
 * is deterministic on VirtualTimers. Callbacks may offer new items re-entrantly.
 */
export class SwitchStage<T> {
  private current: SwitchStageModel;
  private busy = 0;
  private waitTimer: { handle: TimerHandle; at: number } | null = null;
  private gateTimer: { handle: TimerHandle; at: number } | null = null;
  private readonly inService = new Set<TimerHandle>();
  private pumping = false;
  private stopped = false;
  readonly counters: StageCounters = { offered: 0, served: 0, batches: 0, expired: 0, shed: 0, held: 0 };

  constructor(private readonly opts: SwitchStageOptions<T>) {
    this.current = validateStageModel(opts.model ?? DEFAULT_STAGE_MODEL);
    this.setDrainModel();
  }

  /** The service-time model batches are served under now. */
  get model(): SwitchStageModel {
    return this.current;
  }

  /**
   * Changes the capacity while running (a failover to a smaller replica, capacity brought online):
   * batches already in service finish under the old model, the next ones use the new one, and the
   * scheduler's overload shedding follows the new drain rate. Zero servers is an outage: nothing
   * starts, queued items expire at their deadlines.
   */
  resize(model: SwitchStageModel): void {
    this.current = validateStageModel(model, { outage: true });
    this.setDrainModel();
    this.pump();
  }

  private setDrainModel(): void {
    const full = this.opts.batcher.maxSize;
    if (this.current.servers === 0) return this.opts.scheduler.setDrainModel(null);
    this.opts.scheduler.setDrainModel({
      perSec: capacityTps(this.current, full),
      serviceMs: serviceMs(this.current, full),
    });
  }

  /** Items waiting in the main queue. */
  get queued(): number {
    return this.opts.scheduler.size;
  }

  /** Items waiting in the main queue, per class (for the queue-depth gauge). */
  queuedByClass(): PerClass<number> {
    return this.opts.scheduler.sizeByClass();
  }

  /** SYSTEM items held by the gate. */
  get held(): number {
    return this.opts.gate?.held ?? 0;
  }

  get busyServers(): number {
    return this.busy;
  }

  offer(item: T, meta: ItemMeta): StageVerdict {
    if (this.stopped) throw new Error('SwitchStage: offer after stop');
    this.counters.offered++;
    const now = this.opts.timers.now();
    const gate = this.opts.gate;
    if (gate && meta.initiation === 'SYSTEM') {
      const v = gate.offer({ item, meta }, now);
      if (v === 'rejected') {
        this.shed([item]);
        return 'shed';
      }
      if (v === 'held') {
        this.counters.held++;
        this.armGate(now);
        return 'held';
      }
    }
    const verdict = this.enqueue(item, meta, now);
    this.pump();
    return verdict;
  }

  /**
   * The run clock read `startTimeOfDay` at `clockOrigin` (a live run's start, announced to a switch
   * process that has been up for a while): the gate's windows move with it, and what it holds is
   * released when they say.
   */
  setGateClock(startTimeOfDay: string | number, clockOrigin: number): void {
    const gate = this.opts.gate;
    if (!gate) return;
    gate.setClock(startTimeOfDay, clockOrigin);
    this.armGate(this.opts.timers.now());
  }

  /** The gate's time of day at `now` (ms since midnight), or null without a gate. */
  timeOfDay(now: number): number | null {
    return this.opts.gate?.timeOfDay(now) ?? null;
  }

  /** Removes and returns the SYSTEM items still held by the gate (for a run ending inside a peak window). */
  abandonHeld(): T[] {
    return (this.opts.gate?.takeAll() ?? []).map((g) => g.item);
  }

  /** Cancels every timer; batches in service are abandoned (their onServed never fires). */
  stop(): void {
    this.stopped = true;
    const t = this.opts.timers;
    for (const h of this.inService) t.clearTimer(h);
    this.inService.clear();
    if (this.waitTimer) t.clearTimer(this.waitTimer.handle);
    if (this.gateTimer) t.clearTimer(this.gateTimer.handle);
    this.waitTimer = this.gateTimer = null;
  }

  private enqueue(item: T, meta: ItemMeta, now: number): StageVerdict {
    const r = this.opts.scheduler.offer(item, meta, now);
    if (r.shed.length > 0) this.shed(r.shed);
    if (!r.admitted) {
      this.shed([item]);
      return 'shed';
    }
    return 'queued';
  }

  private shed(items: T[]): void {
    this.counters.shed += items.length;
    this.opts.onShed?.(items);
  }

  private expired(items: T[]): void {
    if (items.length === 0) return;
    this.counters.expired += items.length;
    this.opts.onExpired?.(items);
  }

  /** Hands batches to free servers while the batcher says so. Re-entrant calls are folded into the running one. */
  private pump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      const { timers, scheduler, batcher } = this.opts;
      const now = timers.now();
      this.expired(scheduler.expire(now));
      let waitMs = Infinity;
      while (this.busy < this.model.servers && scheduler.size > 0) {
        const d = batcher.decide(scheduler.size, scheduler.oldestAgeMs(now), now);
        if ('waitMs' in d) {
          waitMs = d.waitMs;
          break;
        }
        const n = Math.max(1, Math.min(d.dispatch, scheduler.size));
        // An item that would finish after its deadline is dropped now, before it costs a bank anything.
        const { batch, expired } = scheduler.take(n, now + serviceMs(this.model, n));
        this.expired(expired);
        if (batch.length > 0) this.serve(batch, now);
      }
      this.armWait(now, waitMs);
    } finally {
      this.pumping = false;
    }
  }

  private serve(batch: T[], now: number): void {
    const { timers } = this.opts;
    this.busy++;
    this.counters.batches++;
    const handle = timers.setTimer(serviceMs(this.model, batch.length), () => {
      this.inService.delete(handle);
      this.busy--;
      this.counters.served += batch.length;
      this.opts.onServed(batch, { startedAt: now, servedAt: timers.now() });
      this.pump();
    });
    this.inService.add(handle);
  }

  private armWait(now: number, waitMs: number): void {
    const { timers } = this.opts;
    // A floor on the wait guarantees the clock moves between two looks (a batcher bug cannot spin us).
    const at = waitMs === Infinity ? Infinity : now + Math.max(MIN_WAIT_MS, waitMs);
    if (this.waitTimer && this.waitTimer.at === at) return;
    if (this.waitTimer) timers.clearTimer(this.waitTimer.handle);
    this.waitTimer = null;
    if (at === Infinity) return;
    const handle = timers.setTimer(at - now, () => {
      this.waitTimer = null;
      this.pump();
    });
    this.waitTimer = { handle, at };
  }

  private armGate(now: number): void {
    const gate = this.opts.gate;
    if (!gate || this.stopped) return;
    const at = gate.nextReleaseAt(now);
    if (this.gateTimer && this.gateTimer.at === at) return;
    if (this.gateTimer) this.opts.timers.clearTimer(this.gateTimer.handle);
    this.gateTimer = null;
    if (at === null) return;
    const handle = this.opts.timers.setTimer(at - now, () => {
      this.gateTimer = null;
      const t = this.opts.timers.now();
      for (const p of gate.release(t)) this.enqueue(p.item, p.meta, t);
      this.pump();
      this.armGate(t);
    });
    this.gateTimer = { handle, at };
  }
}

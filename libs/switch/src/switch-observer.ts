import type { BankOp, Category } from '../../domain/src';

/**
 * What a switch node tells its host about timing, for metrics (the host maps these to prom-client;
 * the core imports none of it). Every method is optional and called synchronously: keep it cheap.
 */
export interface SwitchObserver {
  /** A payment left the queue after waiting `ms` (offer to the start of its batch). */
  queueWait?(ms: number, category: Category): void;
  /** A batch of `size` payments and status checks was served. */
  batch?(size: number): void;
  /** A decision-log append (one Raft proposal once replicated) became durable after `ms`. */
  decisionLogged?(ms: number): void;
  /** A bank answered a leg `ms` after its request was first sent. */
  bankLeg?(op: BankOp, ms: number): void;
}

/** The switch's queue and coordinator state, read at scrape time. */
export interface SwitchGauges {
  readonly queueByClass: Readonly<Record<Category, number>>;
  readonly held: number;
  readonly inDoubt: number;
}

import type { DecisionRecord } from '../../twopc/src';

/**
 * Where the coordinator's decisions become durable before phase two. In-memory for one embedded
 * switch node; the Raft-replicated log (a later issue) implements the same interface.
 */
export interface DecisionLog {
  /** Resolves once every record is durable. */
  append(records: readonly DecisionRecord[]): Promise<void>;
  /** Every durable record, in append order (what a new coordinator recovers from). */
  records(): readonly DecisionRecord[];
}

export class InMemoryDecisionLog implements DecisionLog {
  private readonly log: DecisionRecord[] = [];

  append(records: readonly DecisionRecord[]): Promise<void> {
    for (const r of records) this.log.push(r);
    return Promise.resolve();
  }

  records(): readonly DecisionRecord[] {
    return this.log;
  }
}

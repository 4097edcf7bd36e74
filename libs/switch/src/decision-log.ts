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
  /** Drops finished txns' records decided at or before `cutoffMs` (optional: a replicated log keeps its own). */
  truncate?(cutoffMs: number, finished: (txnId: string) => boolean): number;
}

export class InMemoryDecisionLog implements DecisionLog {
  private log: DecisionRecord[] = [];

  append(records: readonly DecisionRecord[]): Promise<void> {
    for (const r of records) this.log.push(r);
    return Promise.resolve();
  }

  records(): readonly DecisionRecord[] {
    return this.log;
  }

  /**
   * Drops the records of finished txns decided at or before `cutoffMs` (a checkpoint truncating
   * the log): recovery needs only unfinished ones. `finished` says which are. Records of the
   * unfinished are kept in order. Amortised O(1) per record: the scan stops at the first record
   * after the cutoff, and the array is rebuilt only once that prefix is large.
   */
  truncate(cutoffMs: number, finished: (txnId: string) => boolean): number {
    let end = 0;
    while (end < this.log.length && this.log[end]!.at <= cutoffMs) end++;
    if (end < 1024 && end * 2 < this.log.length) return 0;
    const kept = this.log.slice(0, end).filter((r) => !finished(r.txnId));
    const dropped = end - kept.length;
    this.log = kept.concat(this.log.slice(end));
    return dropped;
  }
}

import { Deque } from './deque';

/**
 * Keys in the order they fall due, for stores whose entries expire a fixed time after their last
 * write: `push(key, dueAt)` at every write (due times never decrease) and `drain(now, expire)`
 * hands back the due ones, oldest first. A key written again is queued again, so the caller drops
 * an entry only if the due time it is handed is still the entry's own.
 *
 * Why not iterate the store's Map from its start and stop at the first live entry: a Map keeps the
 * slots of deleted entries until it rehashes, so at national scale every such sweep walked over
 * hundreds of thousands of deleted slots (a fifth of a full NYE simulation's time).
 */
export class ExpiryQueue<K> {
  private keys = new Deque<K>();
  private dues = new Deque<number>();

  /** Keys queued and not drained yet (copies of re-written keys included). */
  get length(): number {
    return this.keys.length;
  }

  push(key: K, dueAt: number): void {
    const last = this.dues.at(this.dues.length - 1);
    if (!Number.isFinite(dueAt) || (last !== undefined && dueAt < last)) {
      throw new RangeError(
        `expiry queue: due times must be finite and not decrease (${dueAt} after ${last})`,
      );
    }
    this.keys.push(key);
    this.dues.push(dueAt);
  }

  /** Calls `expire(key, dueAt)` for every key due at or before `now`, oldest first, and forgets them. */
  drain(now: number, expire: (key: K, dueAt: number) => void): void {
    for (;;) {
      const due = this.dues.peekFront();
      if (due === undefined || due > now) return;
      this.dues.popFront();
      expire(this.keys.popFront()!, due);
    }
  }

  clear(): void {
    this.keys = new Deque<K>();
    this.dues = new Deque<number>();
  }
}

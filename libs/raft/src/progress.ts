import { Deque } from '../../collections/src';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/**
 * The leader's view of one follower, as in etcd: in `probe` it sends one append at a time
 * until it finds where the logs match; in `replicate` it streams (optimistically advancing
 * `next`) while fewer than maxInflight appends are unacknowledged; in `snapshot` it waits for
 * a snapshot to land.
 */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  probeSent = false;
  pendingSnapshot = 0;
  /** Heartbeat rounds since a snapshot was sent; a lost snapshot is retried after a few. */
  snapshotWait = 0;
  recentActive = false;
  private readonly inflights = new Deque<number>();

  constructor(
    next: number,
    private readonly maxInflight: number,
  ) {
    this.next = next;
  }

  get inflight(): number {
    return this.inflights.length;
  }

  isPaused(): boolean {
    if (this.state === 'probe') return this.probeSent;
    if (this.state === 'replicate') return this.inflights.length >= this.maxInflight;
    return true;
  }

  becomeProbe(): void {
    this.next =
      this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.state = 'probe';
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.clearInflights();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.pendingSnapshot = 0;
    this.clearInflights();
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.snapshotWait = 0;
    this.clearInflights();
  }

  /** An acknowledgement up to n; true if it moved `match`. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * A rejection of the append after `rejected`; `matchHint` is the follower's hint of where the
   * logs may match. False if the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  addInflight(last: number): void {
    this.inflights.push(last);
  }

  freeLE(index: number): void {
    while (this.inflights.length > 0 && this.inflights.peekFront()! <= index) this.inflights.popFront();
  }

  freeFirstOne(): void {
    this.inflights.popFront();
  }

  private clearInflights(): void {
    while (this.inflights.length > 0) this.inflights.popFront();
  }
}

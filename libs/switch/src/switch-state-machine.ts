import { declineKind, type ReqPay, type ResponseCode, type TxnStatus } from '../../domain/src';
import type { DecisionRecord, OutcomeStatus } from '../../twopc/src';
import {
  BadSwitchCommand,
  decodeRunClock,
  decodeSwitchCommand,
  encodeSwitchCommand,
  type BankHealth,
  type SwitchCommand,
  type SwitchEviction,
} from './switch-command';
import type { TimeOfDayOrigin } from './switch-strategies';
import { TxnRegistry, type TxnEntry } from './txn-registry';

export type SwitchApplyResult =
  | {
      readonly ok: true;
      readonly registered: number;
      readonly duplicates: number;
      /** Payments an eviction dropped (only for a command that evicts). */
      readonly evicted?: number;
    }
  | { readonly ok: false; readonly error: string };

/**
 * The switch's replicated state: what every replica applies from the committed Raft log, in log
 * order, and nothing else. Pure and deterministic (no clock, no I/O), so three replicas that
 * applied the same entries hold the same state and the same snapshot.
 *
 * - the transaction registry: one entry per txnId (a duplicate ReqPay registers nothing), whose
 *   status follows the committed outcomes;
 * - the 2PC decision records of every txn the coordinator has not finished (what a new leader's
 *   `Coordinator.recover` needs); a finished txn's records are dropped, so snapshots stay small;
 * - bank health as the leader's breakers last reported it;
 * - the eviction cutoff (embedded and simulated runs): settled payments the leader evicted are
 *   gone from every replica, and a ReqPay created at or before the cutoff is refused (U01);
 * - the run clock the last live run announced (`PUT /admin/run-clock`), so a replica restarted
 *   after the announcement reads the run's time of day, not its own start's.
 */
export class SwitchStateMachine {
  private registry = new TxnRegistry();
  private records = new Map<string, DecisionRecord[]>();
  private health = new Map<string, BankHealth>();
  /** Entries rejected as malformed (the same on every replica). */
  rejected = 0;
  /** Created-at cutoff of the evictions applied: a ReqPay created at or before it is refused. */
  evictedThrough = -Infinity;
  /** Eviction commands applied: the n-th is the same command on every replica (see `onEvicted`). */
  evictions = 0;
  private evictedListener: ((seq: number, gone: readonly TxnEntry[]) => void) | null = null;
  /** The last run clock committed (null: no live run announced one). */
  runClock: TimeOfDayOrigin | null = null;
  private runClockListener: ((clock: TimeOfDayOrigin) => void) | null = null;

  /**
   * Told of every eviction applied here: its sequence number (`evictions`) and the payments it
   * dropped. An observer only (the embedded system folds them into its invariant checks); the
   * state does not depend on it.
   */
  onEvicted(listener: (seq: number, gone: readonly TxnEntry[]) => void): void {
    this.evictedListener = listener;
  }

  /** Told of every run clock applied here, from the log or a snapshot (the switch's gate follows it). */
  onRunClock(listener: (clock: TimeOfDayOrigin) => void): void {
    this.runClockListener = listener;
  }

  /** Applies one committed log entry. '' is Raft's no-op. A malformed entry changes nothing. */
  apply(data: string): SwitchApplyResult {
    if (data === '') return { ok: true, registered: 0, duplicates: 0 };
    let cmd: SwitchCommand;
    try {
      cmd = decodeSwitchCommand(data);
    } catch (err) {
      if (!(err instanceof BadSwitchCommand)) throw err;
      this.rejected++;
      return { ok: false, error: err.message };
    }
    return this.applyCommand(cmd);
  }

  /** Applies a decoded command (what `apply` does after decoding; the single-process path). */
  applyCommand(cmd: SwitchCommand): SwitchApplyResult {
    let registered = 0;
    let duplicates = 0;
    for (const req of cmd.register ?? []) {
      if (this.registry.register(req)) registered++;
      else duplicates++;
    }
    for (const r of cmd.records ?? []) {
      const list = this.records.get(r.txnId);
      if (list) list.push(r);
      else this.records.set(r.txnId, [r]);
      if (r.outcome) this.settle(r.txnId, r.outcome.status, r.outcome.code);
      if (r.resolution) {
        const e = this.registry.get(r.txnId);
        if (e) e.resolution = r.resolution;
      }
    }
    for (const o of cmd.outcomes ?? []) this.settle(o.txnId, o.status, o.code);
    for (const id of cmd.finished ?? []) this.records.delete(id);
    for (const h of cmd.health ?? []) this.health.set(h.bank, h);
    if (cmd.runClock) this.setRunClock(cmd.runClock);
    if (!cmd.evict) return { ok: true, registered, duplicates };
    return { ok: true, registered, duplicates, evicted: this.evict(cmd.evict) };
  }

  /**
   * Drops the named payments that are settled and created at or before `ev.through` (registry
   * entry and any decision records); ignores the others (unknown, not settled, too new). The
   * leader chose them by the retention rule (`TxnRegistry.evict` with its clock, coordinator and
   * owed replies, `SwitchService.evictSettled`); the same registry code drops them here, with no
   * cooling left to wait.
   */
  private evict(ev: SwitchEviction): number {
    if (ev.through > this.evictedThrough) this.evictedThrough = ev.through;
    const named = new Set(ev.txnIds);
    const gone: TxnEntry[] = [];
    this.registry.evict(
      { cutoffMs: ev.through, nowMs: 0, coolMs: 0, keep: (e) => !named.has(e.req.txnId) },
      (e) => {
        this.records.delete(e.req.txnId);
        gone.push(e);
      },
    );
    this.evictions++;
    this.evictedListener?.(this.evictions, gone);
    return gone.length;
  }

  private setRunClock(clock: TimeOfDayOrigin): void {
    this.runClock = clock;
    this.runClockListener?.(clock);
  }

  private settle(txnId: string, status: OutcomeStatus, code: ResponseCode): void {
    const e = this.registry.get(txnId);
    // The first outcome is the answer the payer got; a later record (a deemed txn's resolution) keeps it.
    if (!e || e.status !== 'PENDING') return;
    e.status = status;
    e.code = code;
    e.decline = status === 'SUCCESS' ? null : declineKind(code);
  }

  get(txnId: string): TxnEntry | undefined {
    return this.registry.get(txnId);
  }

  statusOf(txnId: string): TxnStatus | 'UNKNOWN' {
    return this.registry.get(txnId)?.status ?? 'UNKNOWN';
  }

  get size(): number {
    return this.registry.size;
  }

  at(i: number): TxnEntry | undefined {
    return this.registry.at(i);
  }

  entries(): IterableIterator<TxnEntry> {
    return this.registry.values();
  }

  /** A private copy of the registry for a leader to work on. */
  registryCopy(): TxnRegistry {
    return this.registry.copy();
  }

  /** Durable records of unfinished txns, each txn's in append order. */
  decisionRecords(): DecisionRecord[] {
    const out: DecisionRecord[] = [];
    for (const list of this.records.values()) for (const r of list) out.push(r);
    return out;
  }

  /** Registered payments still PENDING without any decision record: presumed aborted by a new leader. */
  undecided(): ReqPay[] {
    const out: ReqPay[] = [];
    for (const e of this.registry.values()) {
      if (e.status === 'PENDING' && !this.records.has(e.req.txnId)) out.push(e.req);
    }
    return out;
  }

  bankHealth(): BankHealth[] {
    return [...this.health.values()];
  }

  isUp(bank: string): boolean {
    return this.health.get(bank)?.up ?? true;
  }

  /**
   * The whole state as one string, restorable on another replica. Built from the same wire form
   * as log entries (registrations, then records, outcomes and health), so it round-trips exactly.
   */
  snapshot(): string {
    const register: ReqPay[] = [];
    const outcomes: { txnId: string; status: OutcomeStatus; code: ResponseCode }[] = [];
    const resolutions: [string, string][] = [];
    for (const e of this.registry.values()) {
      register.push(e.req);
      if (e.status !== 'PENDING') outcomes.push({ txnId: e.req.txnId, status: e.status, code: e.code! });
      if (e.resolution) resolutions.push([e.req.txnId, e.resolution]);
    }
    const body = encodeSwitchCommand({
      register,
      records: this.decisionRecords(),
      outcomes,
      health: this.bankHealth(),
    });
    return JSON.stringify({
      v: 1,
      body,
      resolutions,
      rejected: this.rejected,
      // JSON has no -Infinity: null is "nothing evicted yet".
      evictedThrough: Number.isFinite(this.evictedThrough) ? this.evictedThrough : null,
      evictions: this.evictions,
      runClock: this.runClock ? [this.runClock.clockOrigin, this.runClock.startTimeOfDay] : null,
    });
  }

  /** Replaces the state with a snapshot's. Throws BadSwitchCommand on a malformed one (state unchanged). */
  restore(data: string): void {
    let raw: {
      v?: unknown;
      body?: unknown;
      resolutions?: unknown;
      rejected?: unknown;
      evictedThrough?: unknown;
      evictions?: unknown;
      runClock?: unknown;
    };
    try {
      raw = JSON.parse(data) as typeof raw;
    } catch {
      throw new BadSwitchCommand('snapshot is not JSON');
    }
    if (raw.v !== 1 || typeof raw.body !== 'string' || !Array.isArray(raw.resolutions)) {
      throw new BadSwitchCommand('not a switch snapshot');
    }
    const through = raw.evictedThrough ?? null;
    const evictions = raw.evictions ?? 0;
    if (
      (through !== null && (typeof through !== 'number' || !Number.isFinite(through))) ||
      !Number.isSafeInteger(evictions) ||
      (evictions as number) < 0
    ) {
      throw new BadSwitchCommand('bad eviction cutoff in snapshot');
    }
    const rc = raw.runClock ?? null;
    if (rc !== null && (!Array.isArray(rc) || rc.length !== 2))
      throw new BadSwitchCommand('bad run clock in snapshot');
    const runClock = rc === null ? null : decodeRunClock(rc as unknown[]);
    const cmd = decodeSwitchCommand(raw.body);
    const next = new SwitchStateMachine();
    // Outcomes first: records would otherwise settle entries with their own (later) outcome.
    next.applyCommand({ register: cmd.register, outcomes: cmd.outcomes, health: cmd.health });
    for (const r of cmd.records ?? []) {
      const list = next.records.get(r.txnId);
      if (list) list.push(r);
      else next.records.set(r.txnId, [r]);
    }
    for (const x of raw.resolutions as unknown[]) {
      if (!Array.isArray(x) || typeof x[0] !== 'string' || (x[1] !== 'TCC' && x[1] !== 'RET')) {
        throw new BadSwitchCommand('bad resolution in snapshot');
      }
      const e = next.registry.get(x[0]);
      if (e) e.resolution = x[1];
    }
    this.registry = next.registry;
    this.records = next.records;
    this.health = next.health;
    this.rejected = typeof raw.rejected === 'number' ? raw.rejected : 0;
    this.evictedThrough = through ?? -Infinity;
    this.evictions = evictions as number;
    if (runClock) this.setRunClock(runClock);
    else this.runClock = null;
  }
}

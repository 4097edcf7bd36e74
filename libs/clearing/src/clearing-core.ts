import type { Paise, SettlementEntry } from '../../domain/src';

/** One closed settlement cycle: deferred multilateral net positions of every bank that took part. */
export interface CycleReport {
  /** 1-based cycle number. */
  readonly cycle: number;
  readonly openedAt: number;
  readonly closedAt: number;
  /** Entries settled in this cycle (PAY and RET). */
  readonly entries: number;
  readonly pays: number;
  readonly rets: number;
  /** Sum of the entries' amounts, before netting. */
  readonly grossPaise: Paise;
  /** Per bank: receivable positive, payable negative. */
  readonly netPositions: Readonly<Record<string, Paise>>;
  /** Sum of the net positions: always 0. */
  readonly sum: Paise;
}

export interface ClearingCoreOptions {
  readonly cycleMs: number;
  /** When the first cycle opens (run clock). Default 0. */
  readonly startAt?: number;
}

interface OpenCycle {
  openedAt: number;
  entries: number;
  pays: number;
  rets: number;
  grossPaise: Paise;
  net: Map<string, Paise>;
}

const PAY_BIT = 1;
const RET_BIT = 2;

/**
 * NPCI-style deferred multilateral net settlement, pure. Entries accumulate in the open cycle; at
 * the cut-off the cycle closes and each bank's net position is what it receives (positive) or
 * pays (negative) through the settlement account. PAY moves the amount from the remitter bank to
 * the beneficiary bank; RET (a deemed payment returned) moves it back.
 *
 * Idempotent by (txnId, kind): the switch announces at least once, so a repeat counts nothing.
 */
export class ClearingCore {
  readonly cycleMs: number;
  private readonly seen = new Map<string, number>();
  private readonly total = new Map<string, Paise>();
  private readonly closed: CycleReport[] = [];
  private open: OpenCycle;
  private duplicates = 0;

  constructor(opts: ClearingCoreOptions) {
    if (!(Number.isFinite(opts.cycleMs) && opts.cycleMs > 0))
      throw new Error(`cycleMs must be a positive number, got ${opts.cycleMs}`);
    const startAt = opts.startAt ?? 0;
    if (!Number.isFinite(startAt)) throw new Error(`startAt must be a finite time, got ${startAt}`);
    this.cycleMs = opts.cycleMs;
    this.open = newCycle(startAt);
  }

  /** When the open cycle is due to close. */
  get nextCutoff(): number {
    return this.open.openedAt + this.cycleMs;
  }

  get openedAt(): number {
    return this.open.openedAt;
  }

  get duplicateCount(): number {
    return this.duplicates;
  }

  /**
   * Adds an entry to the open cycle. Returns false (and counts nothing) for a repeat of an entry
   * already added; throws a clear error for a malformed one.
   */
  add(entry: SettlementEntry): boolean {
    const problem = entryProblem(entry);
    if (problem) throw new Error(`invalid settlement entry ${JSON.stringify(entry)}: ${problem}`);
    const bit = entry.kind === 'PAY' ? PAY_BIT : RET_BIT;
    const had = this.seen.get(entry.txnId) ?? 0;
    if (had & bit) {
      this.duplicates++;
      return false;
    }
    this.seen.set(entry.txnId, had | bit);
    const [from, to] =
      entry.kind === 'PAY'
        ? [entry.remitterBank, entry.beneficiaryBank]
        : [entry.beneficiaryBank, entry.remitterBank];
    const c = this.open;
    move(c.net, from, to, entry.amountPaise);
    move(this.total, from, to, entry.amountPaise);
    c.entries++;
    if (bit === PAY_BIT) c.pays++;
    else c.rets++;
    c.grossPaise += entry.amountPaise;
    return true;
  }

  /**
   * Forgets a txn's entries for deduplication (its amounts stay counted): for a txn the switch will
   * never announce again (embedded runs evict settled payments; libs/runtime/src/retention.ts).
   */
  forget(txnId: string): void {
    this.seen.delete(txnId);
  }

  /** Closes the open cycle at `now` (the cut-off) and opens the next one. */
  closeCycle(now: number): CycleReport {
    const c = this.open;
    if (!(now >= c.openedAt))
      throw new Error(`cannot close cycle opened at ${c.openedAt} at an earlier time ${now}`);
    const netPositions = Object.fromEntries(
      [...c.net.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    const sum = sumOf(c.net);
    // Multilateral netting moves money between banks, never creates it.
    if (sum !== 0)
      throw new Error(
        `clearing invariant broken: cycle ${this.closed.length + 1} net positions sum to ${sum}`,
      );
    const report: CycleReport = {
      cycle: this.closed.length + 1,
      openedAt: c.openedAt,
      closedAt: now,
      entries: c.entries,
      pays: c.pays,
      rets: c.rets,
      grossPaise: c.grossPaise,
      netPositions,
      sum,
    };
    this.closed.push(report);
    this.open = newCycle(now);
    return report;
  }

  /** Closed cycles, oldest first. */
  reports(): readonly CycleReport[] {
    return this.closed;
  }

  /** Cumulative net positions over every entry added so far (closed cycles and the open one). */
  totals(): Record<string, Paise> {
    const sum = sumOf(this.total);
    if (sum !== 0) throw new Error(`clearing invariant broken: cumulative net positions sum to ${sum}`);
    return Object.fromEntries(this.total);
  }

  /** Entries waiting in the open cycle. */
  get openEntries(): number {
    return this.open.entries;
  }
}

function newCycle(openedAt: number): OpenCycle {
  return { openedAt, entries: 0, pays: 0, rets: 0, grossPaise: 0, net: new Map() };
}

function move(net: Map<string, Paise>, from: string, to: string, amount: Paise): void {
  net.set(from, (net.get(from) ?? 0) - amount);
  net.set(to, (net.get(to) ?? 0) + amount);
}

function sumOf(net: Map<string, Paise>): Paise {
  let s = 0;
  for (const v of net.values()) s += v;
  return s;
}

function entryProblem(e: SettlementEntry): string | null {
  if (typeof e !== 'object' || e === null) return 'not an object';
  if (typeof e.txnId !== 'string' || e.txnId.length === 0) return 'txnId must be a non-empty string';
  if (e.kind !== 'PAY' && e.kind !== 'RET') return 'kind must be PAY or RET';
  if (typeof e.remitterBank !== 'string' || e.remitterBank.length === 0)
    return 'remitterBank must be a non-empty string';
  if (typeof e.beneficiaryBank !== 'string' || e.beneficiaryBank.length === 0)
    return 'beneficiaryBank must be a non-empty string';
  if (typeof e.amountPaise !== 'number' || !Number.isSafeInteger(e.amountPaise) || e.amountPaise <= 0)
    return 'amountPaise must be a positive integer';
  return null;
}

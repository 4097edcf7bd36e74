import { MinHeap } from '../../collections/src';
import { assertNonNegative, assertPositiveInt } from './types';

export interface StatusCheckRules {
  /** Checks allowed per transaction within the window. NPCI: 3. */
  readonly maxChecks: number;
  /** Window from the payment in which checks are allowed. NPCI: 2 h. */
  readonly windowMs: number;
  /** Minimum gap between two checks of one transaction. NPCI: 90 s. */
  readonly minGapMs: number;
  /** Earliest first check after the payment. NPCI: 45–90 s (reports differ). */
  readonly firstAfterMs: number;
}

export const NPCI_STATUS_CHECK_RULES: StatusCheckRules = {
  maxChecks: 3,
  windowMs: 2 * 60 * 60 * 1000,
  minGapMs: 90_000,
  firstAfterMs: 90_000,
};

export type StatusCheckRefusal = 'TOO_EARLY' | 'TOO_SOON' | 'LIMIT_REACHED' | 'WINDOW_CLOSED';
export type StatusCheckVerdict =
  { readonly ok: true } | { readonly ok: false; readonly reason: StatusCheckRefusal };

interface Entry {
  count: number;
  lastAt: number;
  readonly expiresAt: number;
}

/**
 * NPCI's ReqChkTxn limits per transaction. A refused check is not counted. Entries are forgotten
 * once their window has closed (a later check is refused as WINDOW_CLOSED without any entry), so
 * memory is bounded by the transactions checked within one window.
 */
export class StatusCheckLimiter {
  readonly rules: StatusCheckRules;
  private readonly entries = new Map<string, Entry>();
  private readonly expiry = new MinHeap<{ at: number; txnId: string }>((a, b) => a.at < b.at);

  constructor(rules: Partial<StatusCheckRules> = {}) {
    this.rules = { ...NPCI_STATUS_CHECK_RULES, ...rules };
    assertPositiveInt('maxChecks', this.rules.maxChecks);
    assertNonNegative('windowMs', this.rules.windowMs);
    assertNonNegative('minGapMs', this.rules.minGapMs);
    assertNonNegative('firstAfterMs', this.rules.firstAfterMs);
  }

  /** Transactions currently remembered (for tests and metrics). */
  get tracked(): number {
    return this.entries.size;
  }

  allow(txnId: string, paymentAt: number, now: number): StatusCheckVerdict {
    if (typeof txnId !== 'string' || txnId.length === 0)
      throw new Error('allow: txnId must be a non-empty string');
    if (!Number.isFinite(paymentAt) || !Number.isFinite(now)) throw new Error('allow: times must be finite');
    this.forget(now);
    const { maxChecks, windowMs, minGapMs, firstAfterMs } = this.rules;
    const since = now - paymentAt;
    if (since >= windowMs) return { ok: false, reason: 'WINDOW_CLOSED' };
    if (since < firstAfterMs) return { ok: false, reason: 'TOO_EARLY' };
    const e = this.entries.get(txnId);
    if (!e) {
      const expiresAt = paymentAt + windowMs;
      this.entries.set(txnId, { count: 1, lastAt: now, expiresAt });
      this.expiry.push({ at: expiresAt, txnId });
      return { ok: true };
    }
    if (e.count >= maxChecks) return { ok: false, reason: 'LIMIT_REACHED' };
    if (now - e.lastAt < minGapMs) return { ok: false, reason: 'TOO_SOON' };
    e.count++;
    e.lastAt = now;
    return { ok: true };
  }

  private forget(now: number): void {
    for (let top = this.expiry.peek(); top !== undefined && top.at <= now; top = this.expiry.peek()) {
      this.expiry.pop();
      const e = this.entries.get(top.txnId);
      if (e && e.expiresAt <= now) this.entries.delete(top.txnId);
    }
  }
}

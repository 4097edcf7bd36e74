import { hash } from 'node:crypto';
import { ExpiryQueue } from '../../collections/src';
import type { Clock } from '../../domain/src';
import type { PaymentRequest } from './validate';

/** The HTTP answer remembered for a key, replayed to every retry with the same body. */
export interface StoredAnswer {
  readonly httpStatus: 200 | 202;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * What the store says about a key when a request claims it:
 * - NEW: nobody had it; the caller now owns it and must `complete` it.
 * - IN_FLIGHT: claimed with the same fingerprint, no answer stored yet (another request, maybe in
 *   another PSP process, is still working on it); `txnId` is the payment it started.
 * - DONE: claimed with the same fingerprint and answered; replay `answer`.
 * - CONFLICT: claimed with a different body.
 */
export type Claim =
  | { readonly kind: 'NEW' }
  | { readonly kind: 'IN_FLIGHT'; readonly txnId: string }
  | { readonly kind: 'DONE'; readonly txnId: string; readonly answer: StoredAnswer }
  | { readonly kind: 'CONFLICT' };

/**
 * Remembers, per Idempotency-Key, the body fingerprint and the answer. Entries expire `ttlMs` after
 * their last write. The Redis implementation (live mode) maps `claim` to `SET key … NX PX ttl` plus
 * a GET on failure, and `complete` to `SET key … XX PX ttl`; both implementations pass
 * test/idempotency.contract.ts.
 */
export interface IdempotencyStore {
  /** Atomically claims `key` for a request with `fingerprint` that will start payment `txnId`. */
  claim(key: string, fingerprint: string, txnId: string): Promise<Claim>;
  /**
   * Stores (or replaces) the answer for a key this caller claimed. A later call replaces an earlier
   * one, so a 202 PENDING answer can be upgraded once the outcome is known. Ignored when the key
   * expired or is held by another fingerprint.
   */
  complete(key: string, fingerprint: string, answer: StoredAnswer): Promise<void>;
  /**
   * Gives back a key this caller claimed (same fingerprint and txnId) and never answered, as if it
   * had never been claimed: the payment was not sent (the PSP's breaker toward the switch refused
   * it), so a retry with the key must start afresh. Ignored in every other case.
   */
  release(key: string, fingerprint: string, txnId: string): Promise<void>;
}

/** Stable fingerprint of a validated request: its canonical JSON hashed (keys in a fixed order). */
export function fingerprintOf(req: PaymentRequest): string {
  const canonical = JSON.stringify([
    req.payerVpa,
    req.payeeVpa,
    req.amountPaise,
    req.category,
    req.initiation,
    req.note,
  ]);
  // One-shot hashing: this runs once per payment (crypto.hash gives the same digest as createHash).
  return hash('sha256', canonical, 'base64url');
}

interface Entry {
  readonly fingerprint: string;
  readonly txnId: string;
  answer: StoredAnswer | null;
  expiresAt: number;
}

export interface InMemoryIdempotencyOptions {
  readonly clock: Clock;
  /** How long a key is remembered after its last write. Default 24 h. */
  readonly ttlMs?: number;
}

export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * One process's store, for embedded and simulated runs. Every write queues its key with its new
 * expiry (the TTL is the same for all, so the queue is in expiry order): expired entries are swept
 * from the queue's front in amortised O(1) per call and memory stays bounded by the TTL window.
 */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly expiry = new ExpiryQueue<string>();
  /** An entry is dropped by the write that queued its current expiry, not by an earlier one. */
  private readonly expire = (key: string, at: number): void => {
    if (this.entries.get(key)?.expiresAt === at) this.entries.delete(key);
  };

  constructor(opts: InMemoryIdempotencyOptions) {
    const ttl = opts.ttlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
    if (!Number.isFinite(ttl) || ttl <= 0)
      throw new RangeError(`ttlMs must be a positive number, got ${ttl}`);
    this.clock = opts.clock;
    this.ttlMs = ttl;
  }

  get size(): number {
    this.sweep();
    return this.entries.size;
  }

  async claim(key: string, fingerprint: string, txnId: string): Promise<Claim> {
    this.sweep();
    const e = this.entries.get(key);
    if (!e) {
      this.touch(key, { fingerprint, txnId, answer: null, expiresAt: 0 });
      return { kind: 'NEW' };
    }
    if (e.fingerprint !== fingerprint) return { kind: 'CONFLICT' };
    return e.answer
      ? { kind: 'DONE', txnId: e.txnId, answer: e.answer }
      : { kind: 'IN_FLIGHT', txnId: e.txnId };
  }

  async complete(key: string, fingerprint: string, answer: StoredAnswer): Promise<void> {
    this.sweep();
    const e = this.entries.get(key);
    if (!e || e.fingerprint !== fingerprint) return;
    e.answer = answer;
    this.touch(key, e);
  }

  async release(key: string, fingerprint: string, txnId: string): Promise<void> {
    const e = this.entries.get(key);
    if (e && e.fingerprint === fingerprint && e.txnId === txnId && e.answer === null)
      this.entries.delete(key);
  }

  private touch(key: string, e: Entry): void {
    e.expiresAt = this.clock.now() + this.ttlMs;
    this.entries.set(key, e);
    this.expiry.push(key, e.expiresAt);
  }

  private sweep(): void {
    this.expiry.drain(this.clock.now(), this.expire);
  }
}

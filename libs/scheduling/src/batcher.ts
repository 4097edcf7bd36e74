import { assertNonNegative, assertPositiveInt } from './types';

export const BATCH_POLICIES = ['fixed', 'linger', 'adaptive'] as const;
export type BatchPolicyName = (typeof BATCH_POLICIES)[number];

export function isBatchPolicyName(x: unknown): x is BatchPolicyName {
  return typeof x === 'string' && (BATCH_POLICIES as readonly string[]).includes(x);
}

/** Dispatch `dispatch` items now, or look again after `waitMs` (Infinity: only when an item arrives). */
export type BatchDecision = { readonly dispatch: number } | { readonly waitMs: number };

/**
 * A batch policy is asked only when a server is free. It is pure: the host sets one timer for
 * `waitMs` and asks again when it fires or when the queue changes.
 */
export interface Batcher {
  readonly policy: BatchPolicyName;
  /** Largest batch this policy dispatches. */
  readonly maxSize: number;
  decide(queueLen: number, oldestAgeMs: number, now: number): BatchDecision;
}

export type BatcherConfig =
  /**
   * Batches of exactly `size`. At low load a partial batch goes once its oldest item has waited
   * `partialAfterMs` (default 10 ms), so a lone payment is never stuck waiting for company.
   */
  | { readonly policy: 'fixed'; readonly size: number; readonly partialAfterMs?: number }
  /** Up to `maxSize`, going as soon as it is full or the oldest item has waited `lingerMs`. */
  | { readonly policy: 'linger'; readonly maxSize: number; readonly lingerMs: number }
  /**
   * TigerBeetle-like: never waits; takes everything queued up to `maxSize`. The batch therefore
   * grows with the queue that built up while servers were busy, and is 1 when idle.
   */
  | { readonly policy: 'adaptive'; readonly maxSize: number };

export const DEFAULT_PARTIAL_AFTER_MS = 10;

const AGE_TOLERANCE_MS = 1e-6;

const IDLE: BatchDecision = { waitMs: Infinity };

/** Shared shape of fixed and linger: size-or-age trigger. They differ in which bound is meant to bind. */
function sizeOrAge(max: number, waitMs: number, queueLen: number, oldestAgeMs: number): BatchDecision {
  if (queueLen <= 0) return IDLE;
  if (queueLen >= max) return { dispatch: max };
  // The tolerance absorbs float error in now − enqueuedAt, which would otherwise ask for a wait of ~1e-15 ms.
  if (oldestAgeMs >= waitMs - AGE_TOLERANCE_MS) return { dispatch: queueLen };
  return { waitMs: waitMs - oldestAgeMs };
}

export function createBatcher(cfg: BatcherConfig): Batcher {
  switch (cfg.policy) {
    case 'fixed': {
      assertPositiveInt('fixed.size', cfg.size);
      const wait = cfg.partialAfterMs ?? DEFAULT_PARTIAL_AFTER_MS;
      assertNonNegative('fixed.partialAfterMs', wait);
      return {
        policy: 'fixed',
        maxSize: cfg.size,
        decide: (q, age) => sizeOrAge(cfg.size, wait, q, age),
      };
    }
    case 'linger': {
      assertPositiveInt('linger.maxSize', cfg.maxSize);
      assertNonNegative('linger.lingerMs', cfg.lingerMs);
      return {
        policy: 'linger',
        maxSize: cfg.maxSize,
        decide: (q, age) => sizeOrAge(cfg.maxSize, cfg.lingerMs, q, age),
      };
    }
    case 'adaptive': {
      assertPositiveInt('adaptive.maxSize', cfg.maxSize);
      return {
        policy: 'adaptive',
        maxSize: cfg.maxSize,
        decide: (q) => (q <= 0 ? IDLE : { dispatch: Math.min(q, cfg.maxSize) }),
      };
    }
    default: {
      const p = (cfg as { policy?: unknown }).policy;
      throw new Error(`unknown batch policy ${String(p)}`);
    }
  }
}

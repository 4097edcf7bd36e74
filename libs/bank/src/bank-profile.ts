import type { BankOp, ResponseCode, Side } from '../../domain/src';

/** What the scenario says about one bank's core banking system (CBS). */
export interface BankProfile {
  readonly id: string;
  /** Requests per second the CBS can serve; more than this queues. */
  readonly capacityTps: number;
  /** Response latency once served, log-normal through these two quantiles. */
  readonly latency: { readonly medianMs: number; readonly p99Ms: number };
  /** Probability that a business operation (PREPARE, DEBIT, CREDIT) fails technically (XY / Y1). */
  readonly failureRate: number;
}

/**
 * A fault injected at run time (the scenario's fault timeline, or the admin API):
 * - `down`: the CBS is offline; the bank's gateway still answers business operations at once with
 *   XY / Y1, and leaves phase-two operations unanswered so the switch retries them later;
 * - `unreachable`: nothing reaches the bank, nothing is answered;
 * - `slow`: every answer takes `extraLatencyMs` longer.
 */
export type BankFault =
  | { readonly kind: 'down' }
  | { readonly kind: 'unreachable' }
  | { readonly kind: 'slow'; readonly extraLatencyMs: number };

/** z of the 99th percentile of the standard normal. */
const Z99 = 2.326;

/** Sigma of the underlying normal for a log-normal with this median and p99. */
export function logNormalSigma(medianMs: number, p99Ms: number): number {
  return Math.log(p99Ms / medianMs) / Z99;
}

/** Throws a clear error when a profile cannot be modelled. */
export function validateProfile(p: BankProfile): void {
  const where = `bank ${JSON.stringify(p?.id)}`;
  if (typeof p?.id !== 'string' || p.id.length === 0)
    throw new Error(`${where}: id must be a non-empty string`);
  if (!(Number.isFinite(p.capacityTps) && p.capacityTps > 0))
    throw new Error(`${where}: capacityTps must be a positive number, got ${p.capacityTps}`);
  const l = p.latency;
  if (!l || !(Number.isFinite(l.medianMs) && l.medianMs > 0))
    throw new Error(`${where}: latency.medianMs must be a positive number`);
  if (!(Number.isFinite(l.p99Ms) && l.p99Ms >= l.medianMs))
    throw new Error(`${where}: latency.p99Ms must be a number >= medianMs`);
  if (!(Number.isFinite(p.failureRate) && p.failureRate >= 0 && p.failureRate <= 1))
    throw new Error(`${where}: failureRate must be in [0, 1], got ${p.failureRate}`);
}

export function validateFault(fault: BankFault | null): void {
  if (fault === null) return;
  if (fault.kind === 'down' || fault.kind === 'unreachable') return;
  if (fault.kind === 'slow') {
    if (!(Number.isFinite(fault.extraLatencyMs) && fault.extraLatencyMs >= 0))
      throw new Error(`slow fault needs extraLatencyMs >= 0, got ${fault.extraLatencyMs}`);
    return;
  }
  throw new Error(`unknown bank fault ${JSON.stringify(fault)}`);
}

/** Operations that do the business of a payment; the others (COMMIT, ABORT, REVERSAL) finish one. */
export function isBusinessOp(op: BankOp): boolean {
  return op === 'PREPARE' || op === 'DEBIT' || op === 'CREDIT';
}

/** The technical decline a bank gives when its CBS fails: XY on the remitter side, Y1 on the beneficiary side. */
export function technicalDecline(side: Side): ResponseCode {
  return side === 'DEBIT' ? 'XY' : 'Y1';
}

import Ajv from 'ajv';
import type { Category, DeclineKind, TxnStatus } from '../../domain/src';
import schema from '../../../docs/result.schema.json';
import { formatAjvErrors } from './ajv-errors';

/**
 * The result every mode writes (docs/result.md). Counts are payments; times are seconds since the
 * start of the run unless a field says ms; money is integer paise.
 */
export const RESULT_SCHEMA_VERSION = 1;

export type RunMode = 'embedded' | 'live' | 'simulated' | 'k6';

export interface LatencyStats {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
  readonly count: number;
}

export interface ClassLatencyStats extends LatencyStats {
  /** The class's switch deadline (CLASS_INFO). */
  readonly deadlineMs: number;
  /** Share of the class's payments the switch queue started within the deadline (not dropped QD/QS); null when count is 0. */
  readonly withinDeadlineShare: number | null;
}

export interface CodeCount {
  readonly count: number;
  readonly kind: DeclineKind | null;
}

export interface TimelinePoint {
  /** Whole second of the run this bucket covers: [t, t+1). */
  readonly t: number;
  readonly offered: number;
  readonly completed: number;
  readonly success: number;
  readonly declined: number;
  /** p99 latency of the payments completed in this second; null when none completed. */
  readonly p99Ms: number | null;
  /** Payments waiting in the switch queue at the end of the second (modes that can see the queue). */
  readonly queueDepth?: number | null;
  /** Batches the switch stage served in the second. */
  readonly batches?: number;
  /** Mean items per batch served in the second; null when none. */
  readonly meanBatchSize?: number | null;
}

export interface SettlementCycle {
  readonly cycle: number;
  readonly closedAtSec: number;
  readonly entries: number;
  /** Bank → net position in paise (positive: the bank receives). */
  readonly netPositions: Readonly<Record<string, number>>;
  /** Sum of the net positions; always 0 when clearing is correct. */
  readonly sum: number;
}

export interface InvariantCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface RunResult {
  readonly schemaVersion: 1;
  readonly scenario: { readonly name: string; readonly file: string | null; readonly scale: number };
  readonly mode: RunMode;
  readonly strategies: {
    readonly scheduling: string;
    readonly batch: { readonly policy: string; readonly size: number };
    /** Breaker policy at the switch: off, fixed or adaptive. */
    readonly breaker?: string;
  };
  readonly seed: number;
  /** ISO 8601 wall-clock time the run started. */
  readonly startedAt: string;
  readonly durationSec: number;
  /** Payments sent to the system (including client retries). */
  readonly offered: number;
  /** Payments that got a final or pending answer. */
  readonly completed: number;
  readonly outcomes: {
    readonly byStatus: Readonly<Record<TxnStatus, number>>;
    readonly byCode: Readonly<Record<string, CodeCount>>;
    readonly technicalDeclines: number;
    readonly businessDeclines: number;
  };
  readonly latencyMs: {
    readonly overall: LatencyStats;
    readonly byClass: Readonly<Record<Category, ClassLatencyStats>>;
  };
  /** Completed payments per second over the run. */
  readonly throughputTps: number;
  readonly timeline: readonly TimelinePoint[];
  readonly money: {
    readonly openingPaise: number;
    readonly closingPaise: number;
    readonly heldPaise: number;
    readonly conserved: boolean;
  };
  readonly settlement: {
    readonly cycles: readonly SettlementCycle[];
    readonly netPositions: Readonly<Record<string, number>>;
    readonly sum: number;
  };
  readonly invariants: readonly InvariantCheck[];
  /** Mode-specific extras; not compared across modes. */
  readonly extensions?: Readonly<Record<string, unknown>>;
}

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
const check = ajv.compile(schema);

export type ResultValidation =
  { readonly ok: true; readonly errors: [] } | { readonly ok: false; readonly errors: string[] };

/** Checks a result against docs/result.schema.json; errors are `path: message`. */
export function validateResult(obj: unknown): ResultValidation {
  return check(obj) ? { ok: true, errors: [] } : { ok: false, errors: formatAjvErrors(check.errors) };
}

export function isRunResult(obj: unknown): obj is RunResult {
  return check(obj);
}

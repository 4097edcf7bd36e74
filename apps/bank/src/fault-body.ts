import type { BankFault } from '../../../libs/bank/src';
import { ApiHttpError } from '../../psp/src/api-error';

/** Longest injectable slowdown: far past UPI's 15 s timeout, short enough to be a typo guard. */
export const MAX_EXTRA_LATENCY_MS = 10 * 60_000;

const KINDS: readonly BankFault['kind'][] = ['down', 'unreachable', 'slow'];
const FIELDS: ReadonlySet<string> = new Set(['kind', 'extraLatencyMs']);

const bad = (code: string, message: string, field: string | null) =>
  new ApiHttpError(400, code, message, field);

/**
 * Reads `PUT /admin/banks/:id/fault`'s JSON body into a BankFault, or throws a 400 naming the
 * field. Strict: unknown fields are refused, and `extraLatencyMs` belongs to `slow` only.
 */
export function parseFaultBody(body: unknown): BankFault {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad('INVALID_BODY', 'the body must be a JSON object', null);
  }
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) {
    if (!FIELDS.has(k)) throw bad('UNKNOWN_FIELD', `unknown field ${JSON.stringify(k)}`, k);
  }
  if (b.kind === undefined) throw bad('MISSING_FIELD', 'kind is required', 'kind');
  if (!KINDS.includes(b.kind as BankFault['kind'])) {
    throw bad('INVALID_FAULT_KIND', `kind must be one of ${KINDS.join(', ')}`, 'kind');
  }
  const kind = b.kind as BankFault['kind'];
  const extra = b.extraLatencyMs;
  if (kind !== 'slow') {
    if (extra !== undefined) {
      throw bad('UNKNOWN_FIELD', 'extraLatencyMs applies only to kind "slow"', 'extraLatencyMs');
    }
    return { kind };
  }
  if (extra === undefined) {
    throw bad('MISSING_FIELD', 'extraLatencyMs is required for kind "slow"', 'extraLatencyMs');
  }
  if (
    typeof extra !== 'number' ||
    !Number.isSafeInteger(extra) ||
    extra < 0 ||
    extra > MAX_EXTRA_LATENCY_MS
  ) {
    throw bad(
      'INVALID_LATENCY',
      `extraLatencyMs must be an integer from 0 to ${MAX_EXTRA_LATENCY_MS}`,
      'extraLatencyMs',
    );
  }
  return { kind, extraLatencyMs: extra };
}

/**
 * Money is always an integer number of paise. JavaScript numbers are exact integers up to 2^53,
 * which is ~9e13 rupees: ample for a lab, and cheaper than bigint on the hot path.
 */
export type Paise = number;

/** NPCI per-transaction limit for an ordinary P2P payment: ₹1,00,000. A scenario may lower it. */
export const DEFAULT_TXN_LIMIT_PAISE: Paise = 1_00_000 * 100;

export type AmountProblem = 'NOT_INTEGER' | 'NOT_POSITIVE' | 'OVER_LIMIT' | 'UNSAFE';

/** Why an amount is unacceptable, or null when it is a valid payment amount under `limit`. */
export function amountProblem(value: unknown, limit: Paise = DEFAULT_TXN_LIMIT_PAISE): AmountProblem | null {
  if (typeof value !== 'number' || !Number.isInteger(value)) return 'NOT_INTEGER';
  if (!Number.isSafeInteger(value)) return 'UNSAFE';
  if (value <= 0) return 'NOT_POSITIVE';
  if (value > limit) return 'OVER_LIMIT';
  return null;
}

export function rupees(paise: Paise): string {
  const sign = paise < 0 ? '-' : '';
  const abs = Math.abs(paise);
  return `${sign}₹${Math.floor(abs / 100).toLocaleString('en-IN')}.${String(abs % 100).padStart(2, '0')}`;
}

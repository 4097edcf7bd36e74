import { declineKind, type ResponseCode } from '../../domain/src';

/**
 * How one bank leg (a message out and its answer, or its timeout) ended, as a breaker or limiter sees it.
 * - `ok`: the bank answered and accepted.
 * - `business`: the bank answered and declined for a business reason (BD: Z9, ZM, ZH…). The bank is
 *   healthy, so this never counts toward opening a breaker.
 * - `technical`: the bank failed or did not answer (TD: UT/BT timeouts, XY/Y1 CBS offline, U30/U31).
 */
export type LegOutcome = 'ok' | 'business' | 'technical';

/** Outcome of a leg from the response code the bank answered with (or the switch set on timeout). */
export function legOutcomeForCode(code: ResponseCode): LegOutcome {
  const kind = declineKind(code);
  if (kind === null) return 'ok';
  return kind === 'BD' ? 'business' : 'technical';
}

/** The side of the payment a bank is on: which decline an open breaker toward it produces. */
export type BankRole = 'remitter' | 'beneficiary';

/**
 * NPCI's "deemed high response time check decline": the switch refuses to send to a bank whose
 * breaker is open. U90 when that bank is the remitter, U91 when it is the beneficiary.
 */
export function breakerDeclineCode(role: BankRole): 'U90' | 'U91' {
  return role === 'remitter' ? 'U90' : 'U91';
}

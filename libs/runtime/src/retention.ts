import { UPI_TIMEOUTS_MS } from '../../domain/src';
import { DEFAULT_STATUS_CHECKS } from '../../psp/src';

/**
 * How long embedded and simulated runs keep a settled payment — its switch registry entry, ledger
 * records, clearing dedup entry, PSP record, decision-log records and Idempotency-Key — before
 * folding it into the invariant accumulator and dropping it. Memory is then bounded by a window's
 * worth of payments, however long the simulated period. Live mode evicts nothing.
 *
 * A payment is evicted only once it is settled (SUCCESS, DECLINED, or DEEMED with its TCC/RET),
 * the coordinator has no work left for it, the switch owes no reply for it, and:
 *
 * 1. it was created at least SETTLED_RETENTION_MS ago: every single UPI exchange about it is over
 *    (the PSP's 15 s wait for RespPay, a 10 s status check, a 10 s reversal);
 * 2. its payer PSP holds the final answer, or it was created more than PSP_POLL_HORIZON_MS ago: a
 *    PSP still waiting polls the switch with ReqChkTxn at 90, 180 and 270 s (waiting 10 s each),
 *    and must find it;
 * 3. it has then stayed evictable for SETTLED_COOLING_MS: a copy of one of its bank legs (a
 *    coordinator resend still queued at a bank when the first answer arrived) is applied within a
 *    reversal timeout of the last answer, and must still meet the ledger record that makes it a
 *    replay.
 *
 * Duplicates after eviction: the PSP answers an Idempotency-Key retry from its idempotency store
 * and never sends a second ReqPay (embedded stores keep keys SETTLED_RETENTION_MS: the lab's
 * clients retry within a second, the scenario's retryDelayMs); a ReqPay created before the window
 * that reaches the switch anyway is refused with U01 (duplicate) before any bank leg, so a retried
 * request never debits twice. Status-check storms pick among the payments still held.
 */
export const SETTLED_RETENTION_MS =
  UPI_TIMEOUTS_MS.reqPay + UPI_TIMEOUTS_MS.checkStatus + UPI_TIMEOUTS_MS.reversal;

/** See SETTLED_RETENTION_MS, point 3. */
export const SETTLED_COOLING_MS = UPI_TIMEOUTS_MS.reversal;

/** The payer PSP's last status check of a payment ends this long after it (295 s); see point 2. */
export const PSP_POLL_HORIZON_MS =
  UPI_TIMEOUTS_MS.reqPay +
  DEFAULT_STATUS_CHECKS.firstAfterMs +
  (DEFAULT_STATUS_CHECKS.maxChecks - 1) * DEFAULT_STATUS_CHECKS.intervalMs +
  DEFAULT_STATUS_CHECKS.timeoutMs;

import { observePaymentLatency, type LabMetrics } from '../../../libs/metrics/src';
import type { PaymentObservation } from '../../../libs/psp/src';

/**
 * The core's `observe` hook for the latency histogram: one sample per payment when the payer gets
 * its answer (outcome PENDING when the wait ran out). Labels stay bounded: PSP ids come from the
 * handle registry, class is the category, outcome the status.
 */
export function paymentLatencyObserver(metrics: LabMetrics): (obs: PaymentObservation) => void {
  return (obs) => {
    if (obs.phase !== 'ANSWERED') return;
    const r = obs.record;
    observePaymentLatency(metrics, { psp: r.pspId, class: r.category, outcome: r.status }, obs.latencyMs);
  };
}

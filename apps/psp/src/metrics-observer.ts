import type { LabMetrics } from '../../../libs/metrics/src';
import type { PaymentObservation } from '../../../libs/psp/src';
import { paymentMetricsObserver } from '../../../libs/runtime/src/metrics-hooks';

/** The PSP core's `observe` hook for its metrics (latency, outcomes, end to end); see libs/runtime metrics-hooks. */
export function paymentLatencyObserver(metrics: LabMetrics): (obs: PaymentObservation) => void {
  return paymentMetricsObserver(metrics);
}

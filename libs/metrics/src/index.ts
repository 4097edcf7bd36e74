import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * Payment latency buckets in seconds (Prometheus convention), 1 ms to 30 s: fine at the bottom for
 * the switch's per-class deadlines (100 ms–2 s), coarse above for UPI's 15 s timeout and beyond.
 */
export const PAYMENT_LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30,
];

/** Label names of the latency histogram; every value set is bounded (PSP ids, categories, outcomes). */
export type PaymentLabel = 'psp' | 'class' | 'outcome';

export interface LabMetrics {
  readonly registry: Registry;
  /** `upi_payment_latency_seconds{psp, class, outcome}`: class is the payment category, outcome the status. */
  readonly paymentLatency: Histogram<PaymentLabel>;
}

export interface MetricsOptions {
  /** Labels added to every series (e.g. { service: 'psp', instance: 'psp-1' }). */
  readonly defaultLabels?: Readonly<Record<string, string>>;
  /** Process metrics (CPU, memory, event-loop lag). Default true. */
  readonly defaultMetrics?: boolean;
}

/** A fresh registry (never the global one, so several services can share a process). */
export function createMetrics(opts: MetricsOptions = {}): LabMetrics {
  const registry = new Registry();
  if (opts.defaultLabels) registry.setDefaultLabels({ ...opts.defaultLabels });
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const paymentLatency = new Histogram<PaymentLabel>({
    name: 'upi_payment_latency_seconds',
    help: 'Time from PSP acceptance to the payer-facing answer, by PSP, category and outcome',
    labelNames: ['psp', 'class', 'outcome'],
    buckets: [...PAYMENT_LATENCY_BUCKETS_SECONDS],
    registers: [registry],
  });
  return { registry, paymentLatency };
}

/** Records one payment's latency (given in ms). */
export function observePaymentLatency(
  m: LabMetrics,
  labels: { readonly psp: string; readonly class: string; readonly outcome: string },
  latencyMs: number,
): void {
  m.paymentLatency.observe(
    { psp: labels.psp, class: labels.class, outcome: labels.outcome },
    latencyMs / 1000,
  );
}

import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { METRIC, type Stage } from './names';

export * from './names';
export * from './gauges';
export * from './promql';

/**
 * Payment latency buckets in seconds (Prometheus convention), 1 ms to 30 s: fine at the bottom for
 * the switch's per-class deadlines (100 ms–2 s), coarse above for UPI's 15 s timeout and beyond.
 */
export const PAYMENT_LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30,
];

/** Switch batch sizes (payments per batch): the sizes users compare (1, 50, 200, 500). */
export const BATCH_SIZE_BUCKETS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** Label names of the latency histogram; every value set is bounded (PSP ids, categories, outcomes). */
export type PaymentLabel = 'psp' | 'class' | 'outcome';

export interface LabMetrics {
  readonly registry: Registry;
  /** `upi_payment_latency_seconds{psp, class, outcome}`: class is the payment category, outcome the status. */
  readonly paymentLatency: Histogram<PaymentLabel>;
  /** `upi_payment_outcomes_total{status, code, kind}`: answers by UPI response code, kind TD/BD/none. */
  readonly paymentOutcomes: Counter<'status' | 'code' | 'kind'>;
  /** `upi_stage_latency_seconds{stage}`: queue wait, Raft commit, bank legs, end to end. */
  readonly stageLatency: Histogram<'stage'>;
  /** `upi_switch_batch_size`: payments per batch the switch served. */
  readonly batchSize: Histogram;
  /** `upi_switch_queue_wait_seconds{class}`: time in the switch queue per class (the strategies' effect). */
  readonly queueWait: Histogram<'class'>;
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
  const registers = [registry];
  const paymentLatency = new Histogram<PaymentLabel>({
    name: METRIC.paymentLatency,
    help: 'Time from PSP acceptance to the payer-facing answer, by PSP, category and outcome',
    labelNames: ['psp', 'class', 'outcome'],
    buckets: [...PAYMENT_LATENCY_BUCKETS_SECONDS],
    registers,
  });
  const paymentOutcomes = new Counter<'status' | 'code' | 'kind'>({
    name: METRIC.paymentOutcomes,
    help: 'Payer-facing answers by status, UPI response code and decline kind (TD technical, BD business, none)',
    labelNames: ['status', 'code', 'kind'],
    registers,
  });
  const stageLatency = new Histogram<'stage'>({
    name: METRIC.stageLatency,
    help: 'Latency of one stage of a payment: queue_wait, raft_commit, bank_prepare, bank_commit, end_to_end',
    labelNames: ['stage'],
    buckets: [...PAYMENT_LATENCY_BUCKETS_SECONDS],
    registers,
  });
  const batchSize = new Histogram({
    name: METRIC.switchBatchSize,
    help: 'Payments per batch served by the switch stage',
    buckets: [...BATCH_SIZE_BUCKETS],
    registers,
  });
  const queueWait = new Histogram<'class'>({
    name: METRIC.switchQueueWait,
    help: 'Time a payment waited in the switch queue before its batch started, by category',
    labelNames: ['class'],
    buckets: [...PAYMENT_LATENCY_BUCKETS_SECONDS],
    registers,
  });
  return { registry, paymentLatency, paymentOutcomes, stageLatency, batchSize, queueWait };
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

/** Records one stage's latency (given in ms). */
export function observeStage(m: LabMetrics, stage: Stage, latencyMs: number): void {
  m.stageLatency.observe({ stage }, latencyMs / 1000);
}

/** Counts one payer-facing answer. `code` null (a 202 PENDING) is counted as code "none". */
export function countOutcome(
  m: LabMetrics,
  status: string,
  code: string | null,
  kind: 'TD' | 'BD' | null,
): void {
  m.paymentOutcomes.inc({ status, code: code ?? 'none', kind: kind ?? 'none' });
}

/**
 * Every metric name the services export, in one place: the dashboards' test checks each panel's
 * PromQL against this list, and docs/metrics.md documents it.
 */
export const METRIC = {
  paymentLatency: 'upi_payment_latency_seconds',
  paymentOutcomes: 'upi_payment_outcomes_total',
  stageLatency: 'upi_stage_latency_seconds',
  switchBatchSize: 'upi_switch_batch_size',
  switchQueueWait: 'upi_switch_queue_wait_seconds',
  switchQueueDepth: 'upi_switch_queue_depth',
  switchHeld: 'upi_switch_held_system_payments',
  switchInDoubt: 'upi_switch_in_doubt_transactions',
  kafkaConsumerLag: 'upi_kafka_consumer_lag',
  ledgerHeld: 'upi_ledger_held_paise',
  bankQueue: 'upi_bank_queue_depth',
  raftRole: 'upi_raft_role',
  raftTerm: 'upi_raft_term',
  raftCommitIndex: 'upi_raft_commit_index',
  raftLeaderChanges: 'upi_raft_leader_changes_total',
  raftUp: 'upi_raft_status_available',
  // libs/resilience/src/metrics.ts registers these (names kept here so the list is complete).
  breakerEvents: 'upi_breaker_events_total',
  breakerState: 'upi_breaker_state',
  breakerLegLatency: 'upi_breaker_leg_latency_seconds',
  concurrencyLimit: 'upi_concurrency_limit',
  concurrencyInflight: 'upi_concurrency_inflight',
  concurrencyRejected: 'upi_concurrency_rejected_total',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Histograms: their series are `<name>_bucket`, `<name>_sum` and `<name>_count`. */
export const HISTOGRAMS: readonly MetricName[] = [
  METRIC.paymentLatency,
  METRIC.stageLatency,
  METRIC.switchBatchSize,
  METRIC.switchQueueWait,
  METRIC.breakerLegLatency,
];

/** prom-client's default process metrics that the dashboards use (collectDefaultMetrics). */
export const PROCESS_METRICS = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_heap_size_used_bytes',
] as const;

/** Stages of `upi_stage_latency_seconds{stage}`. */
export const STAGES = ['queue_wait', 'raft_commit', 'bank_prepare', 'bank_commit', 'end_to_end'] as const;
export type Stage = (typeof STAGES)[number];

/**
 * Every series name a scrape can hold (histograms expanded to _bucket/_sum/_count), for checking
 * that a query names something real.
 */
export function knownSeriesNames(): Set<string> {
  const out = new Set<string>(PROCESS_METRICS);
  for (const name of Object.values(METRIC)) {
    if (HISTOGRAMS.includes(name)) for (const s of ['_bucket', '_sum', '_count']) out.add(name + s);
    else out.add(name);
  }
  return out;
}

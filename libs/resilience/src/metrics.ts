import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRIC, PAYMENT_LATENCY_BUCKETS_SECONDS } from '../../metrics/src';
import type { ConcurrencyLimiter } from './limits';

/** Breaker events exported as `upi_breaker_events_total{event}` (opossum's names). */
export type BreakerEvent = 'open' | 'halfOpen' | 'close' | 'reject' | 'success' | 'failure' | 'timeout';

/** Gauge values of `upi_breaker_state`. */
export const BREAKER_STATE_VALUE = { closed: 0, halfOpen: 1, open: 2 } as const;
export type BreakerState = keyof typeof BREAKER_STATE_VALUE;

/**
 * Label names: `from` is the caller (`switch` or a PSP id), `to` the destination (a bank id or
 * `switch`). Both come from the topology, so the series count stays bounded.
 */
type Labels = 'from' | 'to';

/**
 * Breaker and limiter metrics on one registry. Create it once per registry with
 * `resilienceMetrics(registry)` (prom-client refuses a metric name registered twice).
 */
export class ResilienceMetrics {
  readonly events: Counter<Labels | 'event'>;
  readonly state: Gauge<Labels>;
  readonly legLatency: Histogram<Labels | 'outcome'>;
  readonly limit: Gauge<Labels>;
  readonly inflight: Gauge<Labels>;
  readonly limiterRejects: Counter<Labels>;
  private readonly limiters = new Map<string, { from: string; to: string; limiter: ConcurrencyLimiter }>();

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.events = new Counter({
      name: METRIC.breakerEvents,
      help: 'Circuit breaker events by caller, destination and event (open, halfOpen, close, reject, success, failure, timeout)',
      labelNames: ['from', 'to', 'event'],
      registers,
    });
    this.state = new Gauge({
      name: METRIC.breakerState,
      help: 'Circuit breaker state by caller and destination: 0 closed, 1 half-open, 2 open',
      labelNames: ['from', 'to'],
      registers,
    });
    this.legLatency = new Histogram({
      name: METRIC.breakerLegLatency,
      help: 'Latency of legs through a breaker by caller, destination and outcome (success, failure, timeout)',
      labelNames: ['from', 'to', 'outcome'],
      buckets: [...PAYMENT_LATENCY_BUCKETS_SECONDS],
      registers,
    });
    // Limit and inflight change on every leg: read them at scrape time instead of on each change.
    const limiters = this.limiters;
    this.limit = new Gauge({
      name: METRIC.concurrencyLimit,
      help: 'Current adaptive concurrency limit by caller and destination',
      labelNames: ['from', 'to'],
      registers,
      collect() {
        for (const { from, to, limiter } of limiters.values()) this.set({ from, to }, limiter.limit);
      },
    });
    this.inflight = new Gauge({
      name: METRIC.concurrencyInflight,
      help: 'Legs in flight under an adaptive concurrency limit by caller and destination',
      labelNames: ['from', 'to'],
      registers,
      collect() {
        for (const { from, to, limiter } of limiters.values()) this.set({ from, to }, limiter.inflight);
      },
    });
    this.limiterRejects = new Counter({
      name: METRIC.concurrencyRejected,
      help: 'Legs refused by an adaptive concurrency limit by caller and destination',
      labelNames: ['from', 'to'],
      registers,
    });
  }

  /** Exports a limiter's limit and inflight under these labels (replaces an earlier one with the same labels). */
  watchLimiter(from: string, to: string, limiter: ConcurrencyLimiter): void {
    this.limiters.set(`${from}\u0000${to}`, { from, to, limiter });
  }
}

const perRegistry = new WeakMap<Registry, ResilienceMetrics>();

/** The resilience metrics of a registry, created on first use (so the switch and PSPs of one process share them). */
export function resilienceMetrics(registry: Registry): ResilienceMetrics {
  let m = perRegistry.get(registry);
  if (!m) {
    m = new ResilienceMetrics(registry);
    perRegistry.set(registry, m);
  }
  return m;
}

import type { Timers } from '../../domain/src';
import { createAdmission, type LegAdmission, type ResilienceMetrics } from '../../resilience/src';
import type { BatcherConfig } from '../../scheduling/src';
import type { Scenario, Topology } from '../../scenarios/src';
import type { SwitchOptions, SwitchStrategies } from '../../switch/src';

/** The switch's coordinator settings and strategies as the scenario gives them: one reading for every mode. */
export function switchSettings(
  scenario: Scenario,
  topology: Topology,
  /** When the run clock read the scenario's `startTimeOfDay` (default: each switch's creation). */
  clockOrigin?: number,
): Pick<SwitchOptions, 'coordinator' | 'strategies' | 'answerWaitMs'> {
  const sw = topology.switch;
  const st = scenario.strategies;
  const strategies: SwitchStrategies = {
    scheduling: st.scheduling,
    ...(st.weights ? { scheduler: { weights: st.weights } } : {}),
    batch: batcherConfig(st.batch),
    stage: topology.stage,
    systemGate: {
      startTimeOfDay: scenario.traffic.startTimeOfDay,
      ratePerSec: topology.systemRatePerSec,
      ...(clockOrigin !== undefined ? { clockOrigin } : {}),
    },
  };
  return {
    coordinator: {
      protocol: sw.protocol,
      debitTimeoutMs: sw.debitTimeoutMs,
      creditTimeoutMs: sw.creditTimeoutMs,
      retryIntervalMs: sw.retryIntervalMs,
      deemedRetryMs: sw.deemedRetryMs,
    },
    strategies,
    answerWaitMs: sw.pspWaitMs,
  };
}

export function batcherConfig(b: Scenario['strategies']['batch']): BatcherConfig {
  switch (b.policy) {
    case 'fixed':
      return { policy: 'fixed', size: b.size, partialAfterMs: b.partialAfterMs };
    case 'linger':
      return { policy: 'linger', maxSize: b.size, lingerMs: b.lingerMs };
    case 'adaptive':
      return { policy: 'adaptive', maxSize: b.size };
  }
}

/** The switch's breakers (or adaptive limits) per bank, from the scenario's breaker strategy. */
export function switchAdmission(
  scenario: Scenario,
  timers: Timers,
  metrics?: ResilienceMetrics,
): LegAdmission {
  return createAdmission(scenario.strategies.breaker, {
    from: 'switch',
    clock: timers,
    ...(metrics ? { metrics } : {}),
  });
}

/** Each PSP's breaker (or adaptive limit) toward the switch: the same strategy, seen from the PSP. */
export function pspAdmission(scenario: Scenario, timers: Timers, metrics?: ResilienceMetrics): LegAdmission {
  return createAdmission(scenario.strategies.breaker, {
    from: 'psp',
    clock: timers,
    ...(metrics ? { metrics } : {}),
  });
}

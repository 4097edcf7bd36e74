import type { ResilienceMetrics } from '../../../resilience/src';
import type { BankProfile } from '../../../bank/src/bank-profile';
import { loadScenario, type Scenario } from '../../../scenarios/src';
import { buildTopology, type Topology } from '../../../scenarios/src/topology';
import type { SwitchOptions } from '../../../switch/src/switch.service';
import { InMemoryDecisionLog, MapDirectory } from '../../../switch/src';
import { ConfigError } from './env';
import { switchAdmission, switchSettings } from '../switch-config';
import type { Timers } from '../../../domain/src';

/** The scenario every process of a run reads, and the topology they all build from it. */
export function loadLiveScenario(file: string): { scenario: Scenario; topology: Topology } {
  let scenario: Scenario;
  try {
    scenario = loadScenario(file);
  } catch (err) {
    throw new ConfigError(`UPI_SCENARIO (${file}): ${err instanceof Error ? err.message : String(err)}`);
  }
  return { scenario, topology: buildTopology(scenario) };
}

export function bankProfilesOf(t: Topology, ids?: readonly string[]): BankProfile[] {
  return t.banks
    .filter((b) => !ids || ids.includes(b.id))
    .map((b) => ({
      id: b.id,
      capacityTps: b.capacityTps,
      latency: { medianMs: b.latencyP50Ms, p99Ms: b.latencyP99Ms },
      failureRate: b.technicalFailureRate,
    }));
}

/** The switch's wiring, as the embedded system does it; the decision log is in memory (one node). */
export function switchParts(
  scenario: Scenario,
  t: Topology,
  timers: Timers,
  metrics?: ResilienceMetrics,
): Pick<SwitchOptions, 'directory' | 'log' | 'coordinator' | 'strategies' | 'admission' | 'answerWaitMs'> {
  return {
    directory: new MapDirectory(
      [...t.directory].map(([vpa, d]) => [vpa, { bank: d.bank, account: d.account }]),
    ),
    log: new InMemoryDecisionLog(),
    ...switchSettings(scenario, t),
    admission: switchAdmission(scenario, timers, metrics),
  };
}

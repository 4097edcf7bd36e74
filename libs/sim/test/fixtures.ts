import { parseScenario, type Scenario } from '../../scenarios/src';

/** `extra` for tinyScenario: one Mumbai switch replica, and a plan varying its capacity (1,000–4,000/s). */
export const MUMBAI_CAPACITY_PLAN = `
network:
  switchReplicas:
    - { id: MUM, region: Mumbai, capacityTps: 1000 }
plan:
  variables:
    - { knob: replica.MUM.capacityTps, values: [1000, 4000, 2000, 3000], costPerUnit: 0.01 }
`;

/**
 * A tiny scenario for simulator tests: two PSPs, two banks, a few seconds at tens of payments per
 * second after scale. `extra` is YAML appended at the top level (network, plan sections).
 */
export function tinyScenario(
  opts: { seed?: number; tps?: number; durationSec?: number; scale?: number; extra?: string } = {},
): Scenario {
  const tps = opts.tps ?? 4000;
  const text = `
version: 1
name: sim-tiny
seed: ${opts.seed ?? 11}
scale: ${opts.scale ?? 0.01}
durationSec: ${opts.durationSec ?? 4}
topology:
  psps:
    - { id: PHONEPE, handles: [ybl], share: 0.6 }
    - { id: GPAY, handles: [okicici], share: 0.4 }
  banks:
    - { id: SBI, capacityTps: 20000, latencyMs: { p50: 20, p99: 60 }, technicalFailureRate: 0, accounts: 60, openingBalancePaise: { min: 10000000, max: 20000000 } }
    - { id: HDFC, capacityTps: 20000, latencyMs: { p50: 20, p99: 60 }, technicalFailureRate: 0, accounts: 60, openingBalancePaise: { min: 10000000, max: 20000000 } }
  switch:
    debitTimeoutMs: 2000
    creditTimeoutMs: 2000
    pspWaitMs: 1500
    settlementCycleSec: 2
traffic:
  tpsCurve: [{ t: 0, tps: ${tps} }, { t: ${opts.durationSec ?? 4}, tps: ${tps} }]
  categoryMix: { P2P: 0.5, P2M: 0.5 }
  amount: { medianPaise: 10000, sigma: 0.5 }
  retryShare: 0
  unknownPayeeShare: 0
  systemInitiatedShare: 0
strategies:
  breaker: 'off'
  batch: { policy: adaptive, size: 100 }
${opts.extra ?? ''}
`;
  return parseScenario(text, 'yaml', 'sim-tiny.yaml');
}

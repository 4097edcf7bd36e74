import { loadScenario, parseScenario, type Protocol, type Scenario } from '../../../../libs/scenarios/src';

/** Bank latency in the benchmark: small, so the figures measure our code rather than a modelled bank. */
export const BENCH_BANK_LATENCY_MS = { p50: 1, p99: 5 } as const;
/** Far above any rate one process reaches, so no bank's capacity limit is ever the bottleneck. */
export const BENCH_BANK_CAPACITY_TPS = 10_000_000;
/** Rich accounts, so minutes of payments at full speed never run into insufficient funds. */
export const BENCH_OPENING_BALANCE_PAISE = { min: 10_000_000_000, max: 100_000_000_000 } as const;

/**
 * The benchmark's scenario, derived from a topology scenario (smoke by default): its PSPs, banks,
 * accounts, category and amount mix, but scale 1, bank capacity raised out of the way, bank latency
 * p50 1 ms / p99 5 ms, no faults, no client retries (every key unique), and a long flat curve so the
 * traffic generator can serve as an endless source of realistic bodies. Validated like any scenario.
 */
export function benchScenario(baseFile: string, protocol: Protocol): Scenario {
  const base = loadScenario(baseFile);
  const raw = JSON.parse(JSON.stringify(base)) as Record<string, unknown> & {
    topology: { banks: Record<string, unknown>[]; switch: Record<string, unknown> };
    traffic: Record<string, unknown>;
  };
  raw.name = `bench-${base.name}`;
  raw.description = `benchmark derived from ${base.name}: bank capacity ${BENCH_BANK_CAPACITY_TPS} tps, latency p50 ${BENCH_BANK_LATENCY_MS.p50} ms p99 ${BENCH_BANK_LATENCY_MS.p99} ms, no faults, no retries`;
  raw.scale = 1;
  raw.durationSec = 86_400;
  raw.faults = [];
  raw.topology.banks = raw.topology.banks.map((b) => ({
    ...b,
    capacityTps: BENCH_BANK_CAPACITY_TPS,
    latencyMs: { ...BENCH_BANK_LATENCY_MS },
    openingBalancePaise: { ...BENCH_OPENING_BALANCE_PAISE },
  }));
  raw.topology.switch = { ...raw.topology.switch, protocol };
  raw.traffic = {
    ...raw.traffic,
    tpsCurve: [
      { t: 0, tps: 1_000_000 },
      { t: 86_400, tps: 1_000_000 },
    ],
    retryShare: 0,
  };
  return parseScenario(JSON.stringify(raw), 'json', `${baseFile} (bench, ${protocol})`);
}

/** The scenario as a JSON file body, for `upi-lab serve --scenario` in the HTTP child. */
export function scenarioJson(s: Scenario): string {
  return JSON.stringify(s, null, 2) + '\n';
}

import type { NetworkSpec } from '../../scenarios/src/types';

/**
 * Round-trip times between Indian regions (ms). The seed's figures (upi-facts.md): Mumbai–Chennai
 * 40, Delhi–Kochi 60, Mumbai–Guwahati 80, Mumbai–Delhi about 25, Mumbai–Bengaluru about 20. The
 * other pairs are assumptions from distance, marked so; a scenario's `network.rttMs` overrides any.
 */
export const DEFAULT_RTT_MS: Readonly<Record<string, number>> = {
  'Mumbai-Delhi': 25,
  'Mumbai-Chennai': 40,
  'Mumbai-Bengaluru': 20,
  'Mumbai-Guwahati': 80,
  'Delhi-Kochi': 60,
  // Assumed from distance (not in the seed):
  'Mumbai-Hyderabad': 15,
  'Mumbai-Kolkata': 40,
  'Mumbai-Kochi': 25,
  'Mumbai-Pune': 4,
  'Delhi-Chennai': 40,
  'Delhi-Bengaluru': 35,
  'Delhi-Hyderabad': 30,
  'Delhi-Kolkata': 30,
  'Delhi-Guwahati': 45,
  'Chennai-Bengaluru': 10,
  'Chennai-Hyderabad': 12,
  'Chennai-Kolkata': 35,
  'Chennai-Kochi': 15,
  'Bengaluru-Hyderabad': 12,
  'Bengaluru-Kochi': 12,
  'Kolkata-Guwahati': 20,
};

export const DEFAULT_REGION = 'Mumbai';

/** One-way latency between regions, from the built-in table and the scenario's overrides. */
export class RegionLatency {
  private readonly rtt = new Map<string, number>();
  private readonly intraMs: number;
  private readonly defaultMs: number;

  constructor(spec: NetworkSpec = {}) {
    for (const [k, v] of [...Object.entries(DEFAULT_RTT_MS), ...Object.entries(spec.rttMs ?? {})]) {
      const [a, b] = k.split('-').map((x) => x.trim());
      this.rtt.set(pairKey(a!, b!), v);
    }
    this.intraMs = (spec.intraRegionRttMs ?? 1) / 2;
    this.defaultMs = (spec.defaultRttMs ?? 50) / 2;
  }

  /** Half the round trip between two regions (ms). */
  oneWayMs(a: string, b: string): number {
    if (a === b) return this.intraMs;
    const rtt = this.rtt.get(pairKey(a, b));
    return rtt === undefined ? this.defaultMs : rtt / 2;
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

import { Random, type Paise } from '../../domain/src';
import type { AccountOpening } from '../../ledger/src/ledger-store';
import type { Scenario, SwitchSettings, SwitchStageSpec } from './types';

/** z of the 99th percentile of the standard normal: turns a (p50, p99) pair into a log-normal sigma. */
const Z99 = 2.3263478740408408;

export interface TopologyBank {
  readonly id: string;
  readonly name: string;
  /** Capacity after `scale`, in payments per second. */
  readonly capacityTps: number;
  /** Capacity as written in the scenario, before `scale`. */
  readonly specCapacityTps: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Sigma of the log-normal whose median is p50 and 99th percentile is p99. */
  readonly latencySigma: number;
  readonly technicalFailureRate: number;
  readonly accounts: number;
}

export interface TopologyPsp {
  readonly id: string;
  readonly name: string;
  readonly handles: readonly string[];
  readonly share: number;
  /** The VPAs issued by this PSP (its payers). */
  readonly vpas: readonly string[];
}

/** What the payee PSP's `ReqAuthDetails` answers for a VPA: where its account is, and who issued it. */
export interface DirectoryEntry {
  readonly bank: string;
  readonly account: string;
  readonly psp: string;
}

export interface Topology {
  /** Every account to open, in bank order, each with its VPA and opening balance. */
  readonly accounts: readonly AccountOpening[];
  readonly banks: readonly TopologyBank[];
  readonly psps: readonly TopologyPsp[];
  readonly switch: SwitchSettings;
  /** VPA → account; covers every VPA in `accounts`. */
  readonly directory: ReadonlyMap<string, DirectoryEntry>;
  /** Handle → PSP id. */
  readonly handles: ReadonlyMap<string, string>;
  /** Every VPA that may pay, in account order. */
  readonly payers: readonly string[];
  /** Every VPA that may be paid (all accounts). */
  readonly payees: readonly string[];
  /** Sum of opening balances: the money the run must conserve. */
  readonly openingPaise: Paise;
  /** The switch stage after `scale` (see `scaledStage`). */
  readonly stage: ScaledStage;
  /** Rate limit for system-initiated traffic at the switch, after `scale`. */
  readonly systemRatePerSec: number;
}

export interface ScaledStage {
  readonly servers: number;
  readonly fixedMs: number;
  readonly perTxnMs: number;
  readonly maxQueue: number;
}

/**
 * Scales the switch like the banks: `servers × scale` servers' worth of capacity. Servers are
 * whole, so a fractional remainder becomes speed: n = max(1, ⌊servers × scale⌋) servers, each
 * faster (or slower) by (servers × scale) / n. Capacity scales exactly; batch service times move
 * by that factor, at most 2× when fewer than two servers remain.
 */
export function scaledStage(spec: SwitchStageSpec, scale: number): ScaledStage {
  const effective = spec.servers * scale;
  const servers = Math.max(1, Math.floor(effective));
  const speed = effective / servers;
  return { servers, fixedMs: spec.fixedMs / speed, perTxnMs: spec.perTxnMs / speed, maxQueue: spec.maxQueue };
}

/**
 * Builds the run's participants from the scenario, deterministically from its seed. Accounts are
 * numbered per bank; each gets one VPA issued by a PSP (in proportion to the PSPs' shares, so every
 * payer carries about the same load) on one of that PSP's handles, e.g. `u10042@ybl`.
 */
export function buildTopology(s: Scenario): Topology {
  const rng = new Random(s.seed).fork('topology');
  const pspRng = rng.fork('vpa-psp');
  const handleRng = rng.fork('vpa-handle');
  const balanceRng = rng.fork('balance');

  const total = s.topology.banks.reduce((a, b) => a + b.accounts, 0);
  const owners = shuffled(pspSlots(s, total), pspRng);

  const handles = new Map<string, string>();
  for (const p of s.topology.psps) for (const h of p.handles) handles.set(h, p.id);

  const accounts: AccountOpening[] = [];
  const directory = new Map<string, DirectoryEntry>();
  const vpasByPsp = new Map<string, string[]>(s.topology.psps.map((p) => [p.id, []]));
  let n = 0;
  for (const bank of s.topology.banks) {
    const { min, max } = bank.openingBalancePaise;
    for (let i = 1; i <= bank.accounts; i++, n++) {
      const psp = s.topology.psps[owners[n]!]!;
      const vpa = `u${10000 + n}@${psp.handles[handleRng.int(psp.handles.length)]!}`;
      const account = `${bank.id}-${String(i).padStart(6, '0')}`;
      accounts.push({ account, bank: bank.id, vpa, balancePaise: openingBalance(min, max, balanceRng) });
      directory.set(vpa, { bank: bank.id, account, psp: psp.id });
      vpasByPsp.get(psp.id)!.push(vpa);
    }
  }

  const vpas = accounts.map((a) => a.vpa);
  return {
    accounts,
    banks: s.topology.banks.map((b) => ({
      id: b.id,
      name: b.name ?? b.id,
      capacityTps: b.capacityTps * s.scale,
      specCapacityTps: b.capacityTps,
      latencyP50Ms: b.latencyMs.p50,
      latencyP99Ms: b.latencyMs.p99,
      latencySigma: Math.log(b.latencyMs.p99 / b.latencyMs.p50) / Z99,
      technicalFailureRate: b.technicalFailureRate,
      accounts: b.accounts,
    })),
    psps: s.topology.psps.map((p) => ({
      id: p.id,
      name: p.name ?? p.id,
      handles: p.handles,
      share: p.share,
      vpas: vpasByPsp.get(p.id)!,
    })),
    switch: s.topology.switch,
    stage: scaledStage(s.topology.switch.stage, s.scale),
    systemRatePerSec: s.traffic.systemRatePerSec * s.scale,
    directory,
    handles,
    payers: vpas,
    payees: vpas,
    openingPaise: accounts.reduce((a, x) => a + x.balancePaise, 0),
  };
}

/**
 * PSP index per account slot: each PSP gets round(total × share) slots (largest remainder), and
 * at least one, so every PSP has payers even with a tiny share.
 */
function pspSlots(s: Scenario, total: number): number[] {
  const psps = s.topology.psps;
  const shareSum = psps.reduce((a, p) => a + p.share, 0) || 1;
  const exact = psps.map((p) => (total * p.share) / shareSum);
  const quota = exact.map((x) => Math.max(1, Math.floor(x)));
  let left = total - quota.reduce((a, q) => a + q, 0);
  const byRemainder = psps
    .map((_, i) => i)
    .sort((a, b) => exact[b]! - Math.floor(exact[b]!) - (exact[a]! - Math.floor(exact[a]!)) || a - b);
  for (let k = 0; left > 0; k++, left--) quota[byRemainder[k % psps.length]!]!++;
  // The minimum of one may overshoot: take the excess back from the largest quotas.
  while (left < 0) {
    const i = quota.indexOf(Math.max(...quota));
    quota[i]!--;
    left++;
  }
  const out: number[] = [];
  quota.forEach((q, i) => {
    for (let k = 0; k < q; k++) out.push(i);
  });
  return out;
}

function shuffled<T>(items: T[], rng: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Log-uniform in [min, max] (uniform when min is 0): many modest balances, a few large ones. */
function openingBalance(min: Paise, max: Paise, rng: Random): Paise {
  if (max === min) return min;
  if (min === 0) return Math.round(rng.next() * max);
  return Math.min(max, Math.round(min * Math.exp(rng.next() * Math.log(max / min))));
}

import type { AccountView, LedgerSummary, RecordState } from '../../ledger/src/ledger-store';
import type { InvariantCheck } from '../../scenarios/src/result';
import type { Topology } from '../../scenarios/src/topology';
import type { TxnEntry } from '../../switch/src/txn-registry';
import type { EmbeddedSystem } from './embedded-system';
import { checkInvariants, type InvariantAccumulator } from './invariants';

export interface ReadBack {
  readonly summary: LedgerSummary;
  /** Transactions still held (settled ones evicted during the run are counted in `payments`). */
  readonly txns: readonly TxnEntry[];
  /** Every payment of the run: held and evicted. */
  readonly payments: number;
  /** How deemed-approved payments ended, held and evicted. */
  readonly deemedResolutions: { readonly TCC: number; readonly RET: number };
  readonly netPositions: Record<string, number>;
  readonly settlementSum: number;
  readonly invariants: InvariantCheck[];
}

/**
 * Reads money, transactions and settlement back from a stopped (or drained) embedded system and
 * runs the end-of-run invariant checks on them: what every run and benchmark reports.
 */
export async function readBackAndCheck(system: EmbeddedSystem, topology: Topology): Promise<ReadBack> {
  const summary = await system.ledger.summary();
  const accounts = await system.ledger.accounts({});
  const txns = [...system.switchNode.entries()];
  const records = new Map<string, readonly [RecordState, RecordState]>();
  for (const t of txns) {
    records.set(t.req.txnId, [
      await system.ledger.record(t.req.txnId, 'DEBIT'),
      await system.ledger.record(t.req.txnId, 'CREDIT'),
    ]);
  }
  const netPositions = system.clearing.totals();
  const { settlementSum, invariants } = checkAgainstTopology(topology, {
    summary,
    accounts,
    txns,
    records,
    netPositions,
    coordinatorActive: system.switchNode.active,
    folded: system.settled,
  });
  const deemedResolutions = { ...system.settled.resolutions };
  for (const t of txns) if (t.resolution) deemedResolutions[t.resolution]++;
  return {
    summary,
    txns,
    payments: txns.length + system.settled.txns,
    deemedResolutions,
    netPositions,
    settlementSum,
    invariants,
  };
}

/** What a run reads back from wherever its stores are (embedded objects, or Redis and HTTP in live mode). */
export interface ReadBackState {
  readonly summary: LedgerSummary;
  readonly accounts: readonly AccountView[];
  readonly txns: readonly TxnEntry[];
  readonly records: ReadonlyMap<string, readonly [RecordState, RecordState]>;
  readonly netPositions: Readonly<Record<string, number>>;
  readonly coordinatorActive: number;
  /** Transactions folded and dropped during the run (embedded and simulated); none in live mode. */
  readonly folded?: InvariantAccumulator;
}

/** The end-of-run invariants of a read-back state, with the opening balances from the topology. */
export function checkAgainstTopology(
  topology: Topology,
  x: ReadBackState,
): { settlementSum: number; invariants: InvariantCheck[] } {
  const settlementSum = Object.values(x.netPositions).reduce((a, b) => a + b, 0);
  const openingByBank = new Map<string, number>();
  for (const a of topology.accounts)
    openingByBank.set(a.bank, (openingByBank.get(a.bank) ?? 0) + a.balancePaise);
  const invariants = checkInvariants({
    summary: x.summary,
    accounts: x.accounts,
    opening: new Map(topology.accounts.map((a) => [a.account, a.balancePaise])),
    openingByBank,
    txns: x.txns,
    records: x.records,
    accountOf: (vpa) => topology.directory.get(vpa)?.account,
    coordinatorActive: x.coordinatorActive,
    ...(x.folded ? { folded: x.folded } : {}),
    settlement: { netPositions: x.netPositions, sum: settlementSum },
  });
  return { settlementSum, invariants };
}

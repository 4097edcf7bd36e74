import type { RecordState } from '../../ledger/src/ledger-store';
import type { InvariantCheck } from '../../scenarios/src/result';
import type { Topology } from '../../scenarios/src/topology';
import type { EmbeddedSystem } from './embedded-system';
import { checkInvariants } from './invariants';

/**
 * Reads money, transactions and settlement back from a (stopped or drained) embedded system and
 * runs the end-of-run invariant checks on them. The same gathering run-scenario.ts does, for
 * callers that drive the system themselves (the benchmark).
 */
export async function checkEmbeddedInvariants(
  system: EmbeddedSystem,
  topology: Topology,
): Promise<InvariantCheck[]> {
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
  const sum = Object.values(netPositions).reduce((a, b) => a + b, 0);
  const openingByBank = new Map<string, number>();
  for (const a of topology.accounts)
    openingByBank.set(a.bank, (openingByBank.get(a.bank) ?? 0) + a.balancePaise);
  return checkInvariants({
    summary,
    accounts,
    opening: new Map(topology.accounts.map((a) => [a.account, a.balancePaise])),
    openingByBank,
    txns,
    records,
    accountOf: (vpa) => topology.directory.get(vpa)?.account,
    coordinatorActive: system.switchNode.active,
    settlement: { netPositions, sum },
  });
}

import { InMemoryLedger } from '../../ledger/src/in-memory-ledger';
import type { Protocol } from '../src';
import { runSim, type SimStats } from './sim/world';

/*
 * Deterministic simulation of the coordinator with banks over the in-memory ledger, a faulty
 * network, bank and coordinator crashes. `SEED=n npx jest libs/twopc` replays one seed;
 * add TRACE=1 for its event trace. SIM_SEEDS sets how many seeds a full run takes.
 */
const ONE_SEED = process.env.SEED ? Number(process.env.SEED) : null;
const TRACE = process.env.TRACE === '1';
const SEEDS = Number(process.env.SIM_SEEDS ?? 500);

/** Paths that, over all the seeds, must each have been taken at least once. */
const MUST_SEE: Record<Protocol, string[]> = {
  'classic-2pc': ['SUCCESS:00', 'DECLINED:Z9', 'DECLINED:UT', 'DECLINED:BT', 'DECLINED:U31'],
  upi: ['SUCCESS:00', 'DECLINED:Z9', 'DECLINED:UT', 'DECLINED:U31', 'DEEMED:RB:TCC', 'DEEMED:RB:RET'],
};
const FAULTS_SEEN = [
  'bankCrashes',
  'coordCrashes',
  'recoveries',
  'recoveredInFlight',
  'recoveredDecided',
  'pendingKept',
  'pendingLost',
  'netLost',
  'netDuplicated',
];

describe.each<Protocol>(['classic-2pc', 'upi'])('simulation %s', (protocol) => {
  const seeds = ONE_SEED !== null ? [ONE_SEED] : Array.from({ length: SEEDS }, (_, i) => i + 1);

  it(`keeps every invariant over ${seeds.length} seed(s)`, async () => {
    if (ONE_SEED !== null && !Number.isInteger(ONE_SEED))
      throw new Error(`SEED must be an integer, got ${process.env.SEED}`);
    const total: SimStats = {};
    const failed: string[] = [];
    for (const seed of seeds) {
      const r = await runSim({
        seed,
        protocol,
        makeLedger: () => new InMemoryLedger(),
        trace: TRACE && ONE_SEED !== null,
      });
      if (r.trace.length > 0) console.log(`trace of SEED=${seed} (${protocol}):\n${r.trace.join('\n')}`);
      if (process.env.SIM_STATS) console.log(seed, JSON.stringify(r.stats));
      for (const [k, v] of Object.entries(r.stats)) total[k] = (total[k] ?? 0) + v;
      if (r.failures.length > 0) {
        failed.push(`SEED=${seed} (${protocol}): ${r.failures.slice(0, 5).join(' | ')}`);
        if (failed.length >= 10) break;
      }
    }
    if (failed.length > 0) {
      throw new Error(`${failed.join('\n')}\nreplay one with: SEED=<n> TRACE=1 npx jest libs/twopc`);
    }
    if (ONE_SEED === null) {
      const missing = [...MUST_SEE[protocol], ...FAULTS_SEEN].filter((k) => !(total[k]! > 0));
      expect({ missing, total }).toEqual({ missing: [], total });
    }
  });
});

import { runSim, type SimResult } from '../src/sim/world';

/*
 * Deterministic simulation of 3- and 5-node clusters under loss, delay, duplication,
 * reordering, partitions, crashes (losing unsynced writes) and restarts. Odd seeds run 3 nodes,
 * even seeds 5. `SEED=n npx jest libs/raft/test/simulation` replays one (TRACE=1 prints its
 * trace), as does `npm run sim:raft -- --seed n`. RAFT_SEEDS sets how many a full run takes.
 */
const ONE_SEED = process.env.SEED ? Number(process.env.SEED) : null;
const TRACE = process.env.TRACE === '1';
const SEEDS = Number(process.env.RAFT_SEEDS ?? 2000);

/** Faults and paths that, over all seeds, must each have happened at least once. */
const MUST_SEE = [
  'elections',
  'crashes',
  'lostUnsyncedWrites',
  'restarts',
  'partitions',
  'asymmetricPartitions',
  'netLost',
  'netDuplicated',
  'compactions',
  'snapshotsInstalled',
  'opsOk',
  'opsFailed',
  'linearizability_ok',
];

describe('raft simulation', () => {
  const seeds = ONE_SEED !== null ? [ONE_SEED] : Array.from({ length: SEEDS }, (_, i) => i + 1);

  it(`keeps every safety property and recovers over ${seeds.length} seed(s)`, () => {
    if (ONE_SEED !== null && !Number.isInteger(ONE_SEED))
      throw new Error(`SEED must be an integer, got ${process.env.SEED}`);
    const total: Record<string, number> = {};
    const failed: string[] = [];
    for (const seed of seeds) {
      const r: SimResult = runSim({ seed, nodes: seed % 2 === 0 ? 5 : 3, trace: TRACE && ONE_SEED !== null });
      if (r.trace.length > 0) console.log(`trace of SEED=${seed}:\n${r.trace.join('\n')}`);
      for (const [k, v] of Object.entries(r.stats)) total[k] = (total[k] ?? 0) + v;
      if (r.failures.length > 0) {
        failed.push(`SEED=${seed} (${r.nodes} nodes): ${r.failures.slice(0, 3).join(' | ')}`);
        if (failed.length >= 10) break;
      }
    }
    if (failed.length > 0)
      throw new Error(`${failed.join('\n')}\nreplay one with: npm run sim:raft -- --seed <n>`);
    if (ONE_SEED === null) {
      const missing = MUST_SEE.filter((k) => !(total[k]! > 0));
      expect({ missing, total }).toEqual({ missing: [], total });
      // Unknown verdicts would mean the checker gave up: the history check must be decisive.
      expect(total['linearizability_unknown'] ?? 0).toBe(0);
    }
  });

  it('replays a seed exactly', () => {
    const a = runSim({ seed: 7, nodes: 3, trace: true });
    const b = runSim({ seed: 7, nodes: 3, trace: true });
    expect(a.trace.length).toBeGreaterThan(100);
    expect(b.trace).toEqual(a.trace);
    expect(b.history).toEqual(a.history);
  });

  // The seeds below were found by running each broken variant over 2,000 seeds (see README);
  // a change to the simulation's draws moves them, so re-find them with the same loop.
  it('catches a node that forgets its vote on restart (broken on purpose)', () => {
    const seed = 1329;
    expect(runSim({ seed, nodes: 3, bug: { noVotePersist: true } }).failures.join('\n')).toMatch(
      /election safety: n\d and n\d lead term/,
    );
    expect(runSim({ seed, nodes: 3 }).failures).toEqual([]);
  });

  // RaftHost's loop with async storage: inputs are stepped while a write syncs and a leader
  // sends its appends before its own fsync (leaderMaySendEarly). 6,000 seeds passed when it was
  // written; the test runs fewer to keep CI short.
  it('keeps every safety property with the pipelined host loop', () => {
    const failed: string[] = [];
    const n = Math.min(SEEDS, 600);
    for (let seed = 1; seed <= n && failed.length < 5; seed++) {
      const r = runSim({ seed, nodes: seed % 2 === 0 ? 5 : 3, pipelined: true });
      if (r.failures.length > 0) failed.push(`SEED=${seed}: ${r.failures.slice(0, 2).join(' | ')}`);
    }
    expect(failed).toEqual([]);
  });

  it('catches a pipelined host whose followers also send before the fsync (broken on purpose)', () => {
    for (const [seed, nodes] of [
      [19, 3],
      [112, 5],
    ] as const) {
      const bug = { earlySendAnyRole: true };
      expect(runSim({ seed, nodes, pipelined: true, bug }).failures.join('\n')).toMatch(
        /beyond last index|durable on only/,
      );
      expect(runSim({ seed, nodes, pipelined: true }).failures).toEqual([]);
    }
  });

  it('catches a host that sends before its write is durable (broken on purpose)', () => {
    for (const seed of [32, 84]) {
      const failures = runSim({ seed, nodes: 5, bug: { sendBeforeSync: true } }).failures.join('\n');
      expect(failures).toMatch(/durable on only \d disks|beyond last index/);
      expect(runSim({ seed, nodes: 5 }).failures).toEqual([]);
    }
  });
});

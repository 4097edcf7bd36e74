import type { RunResult, Scenario } from '../../libs/scenarios/src';
import {
  EmbeddedSystem,
  readBackAndCheck,
  runScenario,
  SETTLED_COOLING_MS,
  SETTLED_RETENTION_MS,
  virtualClock,
} from '../../libs/runtime/src';
import { directSwitch, leaderKill } from './direct-switch';
import { TOPICS } from '../../libs/transport/src/topics';
import type { ReqPay, RespPay } from '../../libs/domain/src';

const SEEDS = Number(process.env.FAILOVER_SEEDS ?? 6);

/**
 * The leader-kill scenario of switch-failover.spec.ts, run long enough to evict: a payment leaves
 * 2 s (the retention) + 10 s (SETTLED_COOLING_MS) after it was created, so evictions start at
 * about 12 s, before the kill at 15-16 s, and go on under the next leader.
 */
const longKill = (seed: number, protocol: 'upi' | 'classic-2pc'): Scenario =>
  leaderKill(seed, protocol, { durationSec: 30, atSec: 15 + (seed % 4) * 0.37 });

interface Evicting {
  result: RunResult;
  /** Payments folded during the run. */
  folded: number;
  /** Payments the read back still found held. */
  held: number;
  /** Every replica's committed registry at the end. */
  replicaSizes: number[];
}

async function run(scenario: Scenario, retentionMs: number, latency = false): Promise<Evicting> {
  const clock = virtualClock();
  let sys: EmbeddedSystem | undefined;
  const result = await runScenario(scenario, {
    clock,
    mode: 'embedded',
    retentionMs,
    onStarted: (s) => {
      sys = s;
      if (latency)
        s.switches!.network.setLinkLatency(clock.timers, (from, to) => 25 + ((from * 7 + to * 13) % 6) * 10);
    },
  });
  const payments = (result.extensions as { payments: number }).payments;
  return {
    result: { ...result, startedAt: '' },
    folded: sys!.settled.txns,
    held: payments - sys!.settled.txns,
    replicaSizes: sys!.switches!.replicas.map((r) => r.log.state.size),
  };
}

function brokenInvariants(r: RunResult): string[] {
  return r.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail ?? ''}`);
}

/** What eviction must not change: the run's traffic and outcomes. */
function outcomes(r: RunResult) {
  return {
    offered: r.offered,
    completed: r.completed,
    byStatus: r.outcomes.byStatus,
    payments: (r.extensions as { payments: number }).payments,
  };
}

describe('switch on Raft: settled payments are evicted across a leader kill (virtual clock)', () => {
  test.each(['upi', 'classic-2pc'] as const)(
    'a 2 s retention keeps every invariant and the same outcomes as keeping everything (%s)',
    async (protocol) => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const scenario = longKill(seed, protocol);
        const all = await run(scenario, Infinity);
        const short = await run(scenario, 2_000);
        expect({ seed, bad: brokenInvariants(short.result) }).toEqual({ seed, bad: [] });
        expect({ seed, ...outcomes(short.result) }).toEqual({ seed, ...outcomes(all.result) });
        // The rest too: latencies, money, settlement, failovers (an eviction changes no timing here).
        expect(short.result).toEqual(all.result);
        // Eviction happened on the replicas: most payments folded, few held at the end anywhere.
        expect(all.folded).toBe(0);
        expect(short.folded).toBeGreaterThan(0.5 * short.result.completed);
        expect(short.folded + short.held).toBe(all.held);
        for (const size of short.replicaSizes) expect(size).toBeLessThan(0.5 * all.held);
      }
    },
  );

  test.each([2, 3, 4])('also with replicas 25-75 ms apart (upi, seed %i)', async (seed) => {
    const scenario = longKill(seed, 'upi');
    const all = await run(scenario, Infinity, true);
    const short = await run(scenario, 2_000, true);
    expect(brokenInvariants(short.result)).toEqual([]);
    expect(outcomes(short.result)).toEqual(outcomes(all.result));
    expect(short.result).toEqual(all.result);
    expect(short.result.outcomes.byStatus.PENDING).toBe(0);
    expect(short.folded).toBeGreaterThan(0.5 * short.result.completed);
    expect(short.folded + short.held).toBe(all.held);
  });
});

describe('switch on Raft: a repeat of an evicted payment', () => {
  test('is refused with U01 by the leader, by the next leader and from its standby, and debits once', async () => {
    const d = await directSwitch(21, 3);
    try {
      const { sys, timers, topology } = d;
      await timers.runUntil(timers.now() + 1000);
      const req = d.payment('TXNRAFTEVICT1');
      const send = () => sys.bus.request<ReqPay, RespPay>(TOPICS.reqPay, req.payerVpa, { ...req }, 10_000);
      const ask = () => d.ask(req);
      const opening = (await sys.ledger.account(d.payer.account))!.availablePaise;
      expect((await ask()).status).toBe('SUCCESS');
      const states = () => sys.switches!.replicas.map((r) => r.log.state);
      // Inside the window: kept everywhere.
      expect(sys.evictSettled(timers.now())).toBe(0);
      await timers.runUntil(req.createdAt + SETTLED_RETENTION_MS);
      expect(sys.evictSettled(timers.now())).toBe(0); // cooling
      await timers.runUntil(timers.now() + SETTLED_COOLING_MS);
      expect(sys.evictSettled(timers.now())).toBe(1);
      expect(sys.settled.txns).toBe(0); // folded only once committed
      await timers.runUntil(timers.now() + 500);
      expect(sys.settled.txns).toBe(1);
      expect(states().map((s) => s.size)).toEqual([0, 0, 0]);
      expect(states().every((s) => s.evictedThrough >= req.createdAt)).toBe(true);
      expect(sys.ledger.recordCount).toBe(0);

      expect(await ask()).toMatchObject({ status: 'DECLINED', code: 'U01' });
      // The next leader: its followers read the repeat while nobody leads (standby), then it takes over.
      const killed = await sys.switches!.killLeader();
      expect(killed).not.toBeNull();
      expect(sys.switches!.leader()).toBeUndefined();
      const fromStandby = send();
      await timers.runUntil(timers.now() + 3000);
      expect(sys.switches!.leader()!.id).not.toBe(killed);
      expect(await fromStandby).toMatchObject({ status: 'DECLINED', code: 'U01' });
      expect(await ask()).toMatchObject({ status: 'DECLINED', code: 'U01' });
      expect(sys.switchNode.registered).toBe(0);
      expect((await sys.ledger.account(d.payer.account))!.availablePaise).toBe(opening - 12_345);

      await sys.stop();
      const back = await readBackAndCheck(sys, topology);
      expect(back.payments).toBe(1);
      expect(sys.settled.txns).toBe(1); // the replicas that applied it later did not fold it again
      expect(back.invariants.filter((i) => !i.ok)).toEqual([]);
    } finally {
      d.exit();
    }
  });
});

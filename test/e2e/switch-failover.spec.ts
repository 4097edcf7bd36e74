import type { RunResult } from '../../libs/scenarios/src';
import { runScenario, virtualClock } from '../../libs/runtime/src';
import type { RespPay } from '../../libs/domain/src';
import { TOPICS } from '../../libs/transport/src/topics';
import { directSwitch, leaderKill } from './direct-switch';

const SEEDS = Number(process.env.FAILOVER_SEEDS ?? 6);

interface Failover {
  killedId: number;
  atMs: number;
  newLeaderId: number | null;
  gapMs: number | null;
}

const kill = (seed: number, protocol: 'upi' | 'classic-2pc') =>
  leaderKill(seed, protocol, { durationSec: 8, atSec: 3 + (seed % 4) * 0.37 });

describe('switch on Raft: killing the leader mid-load (virtual clock)', () => {
  test.each(['upi', 'classic-2pc'] as const)(
    'a new leader takes over and every invariant holds (%s)',
    async (protocol) => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const r: RunResult = await runScenario(kill(seed, protocol), {
          clock: virtualClock(),
          mode: 'embedded',
        });
        const bad = r.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail ?? ''}`);
        if (bad.length)
          throw new Error(`seed ${seed} (${protocol}) broke invariants:\n  ${bad.join('\n  ')}`);
        const ext = r.extensions as { switchReplicas: { replicas: number; failovers: Failover[] } };
        expect(ext.switchReplicas.replicas).toBe(3);
        const [f] = ext.switchReplicas.failovers;
        expect(f).toBeDefined();
        expect(f!.newLeaderId).not.toBeNull();
        expect(f!.newLeaderId).not.toBe(f!.killedId);
        // Every payment the PSP accepted got a final answer: none left PENDING.
        expect(r.outcomes.byStatus.PENDING).toBe(0);
        expect(r.completed).toBe(r.offered);
        expect(r.money.conserved).toBe(true);
        expect(r.settlement.sum).toBe(0);
        expect(r.outcomes.byStatus.SUCCESS).toBeGreaterThan(0.5 * r.completed);
      }
    },
  );
});

describe('switch on Raft across regions: replicas 25-75 ms apart', () => {
  // A follower learns of a commit one link latency after its leader: a run that ends, or is read
  // back, from a lagging replica saw settled payments as PENDING (seeds 2-4 did, before the read
  // back took the replica that applied the most and the drain waited out leaderless gaps).
  test.each([2, 3, 4])('every invariant holds after the leader is killed (upi, seed %i)', async (seed) => {
    const clock = virtualClock();
    const r: RunResult = await runScenario(kill(seed, 'upi'), {
      clock,
      mode: 'embedded',
      onStarted: (system) =>
        system.switches!.network.setLinkLatency(
          clock.timers,
          (from, to) => 25 + ((from * 7 + to * 13) % 6) * 10,
        ),
    });
    const bad = r.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail ?? ''}`);
    expect(bad).toEqual([]);
    expect(r.outcomes.byStatus.PENDING).toBe(0);
    expect(r.completed).toBe(r.offered);
  });
});

describe('switch on Raft: the registry survives the leader', () => {
  test('a ReqPay repeated to the new leader gets the first answer and debits once', async () => {
    const d = await directSwitch(11, 3);
    try {
      const { sys } = d;
      const req = d.payment('TXNDUP0000001');
      const before = await sys.ledger.account(d.payer.account);
      const first = await d.ask(req);
      expect(first.status).toBe('SUCCESS');
      const killed = await sys.switches!.killLeader();
      expect(killed).not.toBeNull();
      const again = await d.ask(req);
      expect(sys.switches!.leader()!.id).not.toBe(killed);
      expect(again).toEqual(first);
      expect(sys.switchNode.registered).toBe(1);
      const after = await sys.ledger.account(d.payer.account);
      expect(before!.availablePaise - after!.availablePaise).toBe(12_345);
      await sys.stop();
    } finally {
      d.exit();
    }
  });
});

describe('switch on Raft: what a new leader answers again', () => {
  test('only settled ReqPays whose PSP may still wait (pspWaitMs) are answered again, not the whole standby', async () => {
    const d = await directSwitch(12, 3);
    try {
      const { sys, timers } = d;
      const waitMs = d.topology.switch.pspWaitMs;
      const pay = (txnId: string) => d.ask(d.payment(txnId, 1_000), 600);
      expect((await pay('TXNOLD0000001')).status).toBe('SUCCESS');
      // The first payment's PSP stopped waiting long ago; the second's may still wait.
      await timers.runUntil(timers.now() + waitMs * 3);
      expect((await pay('TXNNEW0000001')).status).toBe('SUCCESS');
      const replies = jest.spyOn(sys.bus, 'reply');
      const killed = await sys.switches!.killLeader();
      expect(killed).not.toBeNull();
      await timers.runUntil(timers.now() + 2000);
      expect(sys.switches!.leader()!.id).not.toBe(killed);
      const answered = replies.mock.calls.map(([, v]) => (v as RespPay).txnId);
      expect(answered).toContain('TXNNEW0000001');
      expect(answered).not.toContain('TXNOLD0000001');
      replies.mockRestore();
      await sys.stop();
    } finally {
      d.exit();
    }
  });
});

describe('switch on Raft: what a new leader carries over', () => {
  test("keeps the run's time of day for the system-initiated traffic gate", async () => {
    // The run starts at 09:59:59: NPCI's 10:00–13:00 peak window opens one second in.
    const d = await directSwitch(6, 3, (s) => ({
      ...s,
      traffic: { ...s.traffic, startTimeOfDay: '09:59:59' },
    }));
    try {
      const { sys, timers } = d;
      await timers.runUntil(timers.now() + 1500);
      const killed = await sys.switches!.killLeader();
      // The new leader's first moments: its stage is brand new, and under one second old.
      while (!sys.switches!.leader()) await timers.runUntil(timers.now() + 20);
      const leader = sys.switches!.leader()!;
      expect(leader.id).not.toBe(killed);
      // Past 10:00 for the run: a SYSTEM-initiated payment waits for the window to close, whichever
      // replica leads. A stage rebuilt with its own clock origin would think it is 09:59:59 again.
      const req = { ...d.payment('TXNSYS0000001'), initiation: 'SYSTEM' as const };
      sys.bus.request(TOPICS.reqPay, req.payerVpa, req, 10_000).catch(() => undefined);
      await timers.runUntil(timers.now() + 200);
      expect(leader.service.stageStats().held).toBe(1);
      await sys.stop();
    } finally {
      d.exit();
    }
  });

  test('a run clock announced to the leader reaches every replica, one down at the time included', async () => {
    const d = await directSwitch(7, 3);
    try {
      const { sys, timers } = d;
      const group = sys.switches!;
      await timers.runUntil(timers.now() + 1500);
      const leader = group.leader()!;
      const [down, other] = group.replicas.filter((r) => r.id !== leader.id);
      // Down when the run announces its clock (a live process being restarted, say).
      await group.kill(down!.id);
      const clock = { clockOrigin: timers.now() - 5_000, startTimeOfDay: '08:00' };
      // A follower takes what it is told but cannot commit it.
      const told = other!.service.announceRunClock(clock);
      const committed = leader.service.announceRunClock(clock);
      await timers.runUntil(timers.now() + 300);
      expect(await told).toBe(false);
      expect(await committed).toBe(true);
      await group.restart(down!.id);
      await timers.runUntil(timers.now() + 1500);
      const restarted = group.replicas.find((r) => r.id === down!.id)!;
      expect(restarted.restarts).toBe(1);
      for (const r of group.replicas) {
        const c = r.service.timeOfDay();
        expect({ id: r.id, clockOrigin: c.clockOrigin, startTimeOfDay: c.startTimeOfDay }).toEqual({
          id: r.id,
          ...clock,
        });
        // 08:00 five seconds before the announcement, then 1.8 s of the run clock.
        expect(c.timeOfDayMs).toBe(8 * 3_600_000 + c.now - clock.clockOrigin);
      }
      await sys.stop();
    } finally {
      d.exit();
    }
  });

  test("a bank the old leader's breaker refused is refused by the new leader too, without a leg sent", async () => {
    const d = await directSwitch(5, 3);
    try {
      const { sys, timers } = d;
      const payee = d.topology.directory.get(d.payment('x').payeeVpa)!.bank;
      sys.banks.setFault(payee, { kind: 'down' });
      // Enough technical declines from the payee's bank to open the leader's breaker toward it…
      let n = 0;
      const pay = () => d.ask(d.payment(`TXNDOWN${String(++n).padStart(6, '0')}`, 1_000), 300);
      for (let i = 0; i < 25; i++) await pay();
      // …which then refuses at once (U91), and that refusal is replicated as the bank's health.
      expect((await pay()).code).toBe('U91');
      await timers.runUntil(timers.now() + 200);
      expect(sys.switches!.replicas.every((r) => !r.log.state.isUp(payee))).toBe(true);

      const killed = await sys.switches!.killLeader();
      await timers.runUntil(timers.now() + 2000);
      expect(sys.switches!.leader()!.id).not.toBe(killed);
      const sent = sys.banks.stats(payee).received;
      const after = await pay();
      expect(after.status).toBe('DECLINED');
      expect(after.code).toBe('U91');
      // Refused before any leg: the bank that is down never saw it.
      expect(sys.banks.stats(payee).received).toBe(sent);
      await sys.stop();
    } finally {
      d.exit();
    }
  });
});

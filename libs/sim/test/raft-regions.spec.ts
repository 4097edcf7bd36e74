import { VirtualTimers } from '../src/virtual-timers';
import { TOPICS } from '../../transport/src/topics';
import type { EmbeddedSystem } from '../../runtime/src/embedded-system';
import { SimNetwork, simulate } from '../src';
import { tinyScenario } from './fixtures';

/**
 * Three switch replicas in made-up regions `rttMs` apart; every PSP, bank and the clearing house
 * sit in East with replica 1, so while replica 1 leads only the Raft messages cross regions.
 * Seed 2 elects replica 1, seed 3 replica 3 (asserted: elections are seeded).
 */
const replicasApart = (rttMs: number, seed = 2) =>
  tinyScenario({
    seed,
    durationSec: 4,
    extra: `
network:
  defaultRegion: East
  rttMs: { East-West: ${rttMs}, East-North: ${rttMs}, West-North: ${rttMs} }
  switchReplicas:
    - { id: E, region: East, capacityTps: 20000 }
    - { id: W, region: West, capacityTps: 20000 }
    - { id: N, region: North, capacityTps: 20000 }
`,
  });

describe('simulate --raft: Raft messages take the latency between the replicas regions', () => {
  it('makes each payment wait at least one quorum round trip more when the replicas are far apart', async () => {
    const near = await simulate(replicasApart(2), { raftReplicas: 3 });
    const far = await simulate(replicasApart(100), { raftReplicas: 3 });
    expect(leaders(far)).toEqual(['East']);
    for (const r of [near, far]) {
      expect(r.invariants.filter((i) => !i.ok)).toEqual([]);
      expect(r.outcomes.byStatus.SUCCESS).toBeGreaterThan(0.95 * r.offered);
    }
    // The answer waits for its batches' commits on a majority: the leader and one follower 100 ms
    // (round trip) away instead of 2. The modelled commit adds no round trip of its own when the
    // real replicas run, so near and far would match without the Raft latency.
    const grew = far.latencyMs.overall.p50 - near.latencyMs.overall.p50;
    expect(grew).toBeGreaterThanOrEqual(100 - 2);
    // A payment waits on about three commits in a row (its 2PC steps); far more would mean
    // round trips counted twice or messages held up beyond their latency.
    expect(grew).toBeLessThan(5 * 100);
  });

  it('puts the bus across regions when Raft elects a replica away from the PSPs and banks', async () => {
    const home = await simulate(replicasApart(100, 2), { raftReplicas: 3 });
    const away = await simulate(replicasApart(100, 3), { raftReplicas: 3 });
    expect(leaders(home)).toEqual(['East']);
    expect(leaders(away)).toEqual(['North']);
    expect(away.invariants.filter((i) => !i.ok)).toEqual([]);
    // The same Raft round trips either way; with the leader in North every PSP and bank message to
    // and from the switch also crosses 50 ms (ReqPay, both legs each way, RespPay: six or more).
    const grew = away.latencyMs.overall.p50 - home.latencyMs.overall.p50;
    expect(grew).toBeGreaterThanOrEqual(4 * 50);
    expect(grew).toBeLessThan(10 * 50);
  });
});

function leaders(r: Awaited<ReturnType<typeof simulate>>): string[] {
  const ext = r.extensions as { switchReplicas?: { leaders: { region: string }[] } };
  return ext.switchReplicas!.leaders.map((l) => l.region);
}

describe('SimNetwork with real replicas', () => {
  const scenario = () =>
    tinyScenario({
      extra: `
network:
  defaultRegion: Mumbai
  rttMs: { Mumbai-Delhi: 30, Mumbai-Chennai: 50, Delhi-Chennai: 44 }
  switchReplicas:
    - { id: MUM, region: Mumbai, capacityTps: 20000 }
    - { id: DEL, region: Delhi, capacityTps: 20000 }
`,
    });
  const answer = (net: SimNetwork) =>
    net.link('_reply.inmem', {}, { topic: TOPICS.reqPay, key: 't', value: { pspId: 'PHONEPE' } });

  it('places replica i in the i-th named region (the rest in the default) with the regions one-way latency', () => {
    const net = new SimNetwork(scenario(), { version: 1, raft: { fsyncMs: 1 } });
    // Without real replicas the answer carries fsync + the round trip to the nearest follower.
    expect(answer(net)).toBe(0.5 + 1 + 30);
    let placed: { regions: readonly string[]; oneWay: (a: string, b: string) => number } | null = null;
    const system = {
      switches: {
        replicas: [{}, {}, {}],
        placeIn: (regions: readonly string[], oneWay: (a: string, b: string) => number) =>
          (placed = { regions, oneWay }),
      },
    } as unknown as EmbeddedSystem;
    net.start(system, new VirtualTimers(), 0);
    expect(placed!.regions).toEqual(['Mumbai', 'Delhi', 'Mumbai']);
    expect(placed!.oneWay('Mumbai', 'Delhi')).toBe(15);
    expect(placed!.oneWay('Delhi', 'Chennai')).toBe(22);
    expect(placed!.oneWay('Mumbai', 'Mumbai')).toBe(0.5);
    // The Raft messages carry the quorum round trip now: the modelled commit is the fsync alone.
    expect(answer(net)).toBe(0.5 + 1);
  });

  it("puts the switch, for the bus, where Raft elected its leader, with that replica's latency events", async () => {
    const withEvents = tinyScenario({
      extra: `
network:
  defaultRegion: Mumbai
  rttMs: { Mumbai-Delhi: 30, Mumbai-Chennai: 50, Delhi-Chennai: 44 }
  banks: { HDFC: Chennai }
  switchReplicas:
    - { id: MUM, region: Mumbai, capacityTps: 20000, state: serving }
    - { id: DEL, region: Delhi, capacityTps: 20000, state: standby }
  events:
    - { atSec: 1, kind: replica-latency, replica: DEL, extraMs: 200 }
`,
    });
    const net = new SimNetwork(withEvents, { version: 1, raft: { fsyncMs: 1 } });
    const leaderships: { id: number; atMs: number }[] = [];
    const system = {
      switches: { replicas: [{}, {}, {}], leaderships, placeIn: () => undefined },
    } as unknown as EmbeddedSystem;
    const timers = new VirtualTimers();
    net.start(system, timers, 0);
    await timers.runUntil(1_000);
    const reqPay = () => net.link(TOPICS.reqPay, { pspId: 'PHONEPE' });
    const toHdfc = () => net.link(TOPICS.bankReq('HDFC'), { bank: 'HDFC' });
    // No election yet: the modelled primary (MUM, in Mumbai), whose latency event has not come.
    expect(reqPay()).toBe(0.5);
    expect(toHdfc()).toBe(25);
    leaderships.push({ id: 2, atMs: 0 });
    // Replica 2 (DEL) leads: the PSP in Mumbai reaches it across 15 ms, plus DEL's +200 ms.
    expect(reqPay()).toBe(15 + 200);
    expect(toHdfc()).toBe(22);
    leaderships.push({ id: 3, atMs: 0 });
    // Replica 3 is past the named ones: the default region, and no scenario id for events.
    expect(reqPay()).toBe(0.5);
    expect(toHdfc()).toBe(25);
  });
});

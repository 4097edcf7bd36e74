import { TOPICS } from '../../transport/src/topics';
import { applyModel, serversFor, SimNetwork, simulate, DEFAULT_SIM_MODEL } from '../src';
import { tinyScenario } from './fixtures';

const bytes = (x: unknown) => JSON.stringify(x, null, 2);

describe('simulate: determinism', () => {
  it('gives byte-identical results for the same seed, and different ones for another seed', async () => {
    const a = await simulate(tinyScenario({ seed: 5 }));
    const b = await simulate(tinyScenario({ seed: 5 }));
    const c = await simulate(tinyScenario({ seed: 6 }));
    expect(a.mode).toBe('simulated');
    expect(a.offered).toBeGreaterThan(100);
    expect(bytes(a)).toBe(bytes(b));
    expect(bytes(c)).not.toBe(bytes(a));
    expect(a.invariants.every((i) => i.ok)).toBe(true);
  });
});

describe('simulate: region latency', () => {
  const far = `
network:
  defaultRegion: Mumbai
  rttMs: { Mumbai-Guwahati: 400 }
  psps: { PHONEPE: Guwahati, GPAY: Guwahati }
`;
  const near = `
network:
  defaultRegion: Mumbai
  psps: { PHONEPE: Mumbai, GPAY: Mumbai }
`;

  it('routes each topic between the regions of its ends', () => {
    const s = tinyScenario({
      extra: `
network:
  defaultRegion: Mumbai
  rttMs: { Mumbai-Delhi: 30, Mumbai-Chennai: 50 }
  psps: { PHONEPE: Delhi }
  banks: { HDFC: Chennai }
`,
    });
    const net = new SimNetwork(s, { version: 1 });
    expect(net.link(TOPICS.reqPay, { pspId: 'PHONEPE' })).toBe(15);
    expect(net.link(TOPICS.reqPay, { pspId: 'GPAY' })).toBe(0.5); // intra-region: half of 1 ms
    expect(net.link(TOPICS.bankReq('HDFC'), {})).toBe(25);
    expect(net.link(TOPICS.bankResp, { bank: 'HDFC' })).toBe(25);
    expect(net.link(TOPICS.bankReq('SBI'), {})).toBe(0.5);
    // A reply travels the link of the request it answers.
    const req = { topic: TOPICS.reqPay, key: 't', value: { pspId: 'PHONEPE' } };
    expect(net.link('_reply.inmem', {}, req)).toBe(15);
  });

  it('adds the round trip to far PSPs to every payment', async () => {
    const model = { version: 1 as const };
    const n = await simulate(tinyScenario({ extra: near }), { model });
    const f = await simulate(tinyScenario({ extra: far }), { model });
    // Request and answer each cross Mumbai–Guwahati once: 2 × 200 ms.
    const added = f.latencyMs.overall.p50 - n.latencyMs.overall.p50;
    expect(added).toBeGreaterThan(380);
    expect(added).toBeLessThan(420);
    expect(f.completed).toBe(n.completed);
  });
});

describe('simulate: service-time saturation', () => {
  const withCapacity = (capacityTps: number) => `
network:
  switchReplicas:
    - { id: MUM, region: Mumbai, capacityTps: ${capacityTps} }
`;

  it('caps switch throughput at the modelled capacity and passes load below it', async () => {
    // Offered 1,600/s at scale 1 for 5 s; a capacity of 1,000/s is 2.2 servers' worth at batch 100.
    const run = (cap: number) =>
      simulate(tinyScenario({ tps: 1600, scale: 1, durationSec: 5, extra: withCapacity(cap) }));
    const [over, under] = [await run(1000), await run(4000)];
    // Successes per second once the queue has built up (seconds 2 to 4).
    const rate = (r: typeof over) => [2, 3, 4].reduce((a, t) => a + r.timeline[t]!.success, 0) / 3;
    expect(rate(over)).toBeGreaterThan(1000 * 0.9);
    expect(rate(over)).toBeLessThan(1000 * 1.1);
    expect(rate(under)).toBeGreaterThan(1600 * 0.95);
    // What the switch cannot serve in time is dropped by deadline (QD), not lost.
    expect(over.outcomes.byCode.QD?.count ?? 0).toBeGreaterThan(0);
    expect(under.outcomes.byCode.QD?.count ?? 0).toBe(0);
    expect(over.invariants.every((i) => i.ok)).toBe(true);
  }, 120_000); // 16,000 payments simulated twice

  it('stops serving during a failover outage and resumes at the new primary capacity', async () => {
    const r = await simulate(
      tinyScenario({
        tps: 4000,
        durationSec: 6,
        extra: `
network:
  switchReplicas:
    - { id: MUM, region: Mumbai, capacityTps: 30000 }
    - { id: DEL, region: Delhi, capacityTps: 30000 }
  events:
    - { atSec: 2, kind: failover, to: DEL, outageSec: 1 }
`,
      }),
    );
    const log = (r.extensions!.sim as { network: { atSec: number; event: string; servingTps: number }[] })
      .network;
    expect(log.map((e) => [e.atSec, e.servingTps])).toEqual([
      [0, 30000],
      [2, 0],
      [3, 30000],
    ]);
    // Answers stall during the outage: nothing completes in second 2 except what was already at the banks.
    const t = r.timeline;
    expect(t[2]!.completed).toBeLessThan(t[1]!.completed / 2);
    expect(r.invariants.every((i) => i.ok)).toBe(true);
  });

  it('sizes the stage so the replica capacity is met at the reference batch size', () => {
    const s = applyModel(tinyScenario({ extra: withCapacity(12000) }), DEFAULT_SIM_MODEL);
    // 20 ms + 2 ms × 100 per batch of 100: 454.5/s per server.
    expect(s.topology.switch.stage.servers).toBeCloseTo(serversFor(s, 12000), 9);
    expect(serversFor(s, 12000)).toBeCloseTo(12000 / (100_000 / 220), 6);
  });
});

describe('simulate: real Raft replicas of the switch', () => {
  it('runs three replicas on the virtual clock through a leader kill, deterministically', async () => {
    const scenario = () =>
      tinyScenario({
        durationSec: 5,
        extra: `
faults:
  - { atSec: 2, durationSec: 1, kind: switch-leader-kill }
network:
  switchReplicas:
    - { id: MUM, region: Mumbai, capacityTps: 20000 }
    - { id: DEL, region: Delhi, capacityTps: 20000 }
    - { id: CHE, region: Chennai, capacityTps: 20000 }
`,
      });
    const a = await simulate(scenario(), { raftReplicas: 3 });
    const b = await simulate(scenario(), { raftReplicas: 3 });
    const reps = a.extensions!.switchReplicas as { replicas: number; failovers: unknown[] };
    expect(reps.replicas).toBe(3);
    expect(reps.failovers.length).toBeGreaterThan(0);
    expect(a.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(bytes(a)).toBe(bytes(b));
  });
});

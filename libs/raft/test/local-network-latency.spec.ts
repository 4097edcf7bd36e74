import { VirtualTimers } from '../../sim/src/virtual-timers';
import { RaftHost } from '../src/host';
import { KvReplicaMachine } from '../src/sim/kv';
import { MemoryStorage } from '../src/storage';
import { LocalNetwork } from '../src/transport';
import type { Message, NodeId } from '../src/types';

const msg = (from: NodeId, to: NodeId, term: number): Message => ({
  type: 'Heartbeat',
  from,
  to,
  term,
  index: 0,
  logTerm: 0,
  commit: 0,
  reject: false,
  rejectHint: 0,
  entries: [],
});

/** Three endpoints; returns what each received as `from:term@time`. */
function net3(timers: VirtualTimers) {
  const net = new LocalNetwork();
  const got = new Map<NodeId, string[]>();
  for (const id of [1, 2, 3]) {
    got.set(id, []);
    net.transport(id).onMessage((m) => got.get(id)!.push(`${m.from}:${m.term}@${timers.now()}`));
  }
  const send = (from: NodeId, to: NodeId, term: number) => net.transport(from).send(msg(from, to, term));
  return { net, got, send };
}

describe('LocalNetwork link latency', () => {
  it('delivers each message after its link latency, both directions independently', async () => {
    const timers = new VirtualTimers();
    const { net, got, send } = net3(timers);
    net.setLinkLatency(timers, (a, b) => (a + b === 3 ? 20 : 45)); // 1<->2: 20 ms, others 45 ms
    send(1, 2, 1);
    send(1, 3, 1);
    send(2, 1, 1);
    await timers.runUntil(19);
    expect([...got.values()].flat()).toEqual([]);
    await timers.runUntil(20);
    expect(got.get(2)).toEqual(['1:1@20']);
    expect(got.get(1)).toEqual(['2:1@20']);
    expect(got.get(3)).toEqual([]);
    await timers.runUntil(100);
    expect(got.get(3)).toEqual(['1:1@45']);
    expect(net.stats).toEqual({ sent: 3, delivered: 3, dropped: 0 });
  });

  it('keeps each link in order when its latency drops while messages are in flight', async () => {
    const timers = new VirtualTimers();
    const { net, got, send } = net3(timers);
    let ms = 50;
    net.setLinkLatency(timers, () => ms);
    send(1, 2, 1);
    send(1, 2, 2);
    ms = 10;
    send(1, 2, 3); // would arrive at 10, before 1 and 2: waits for them
    send(1, 3, 4); // another link is not held up
    ms = 0;
    send(1, 2, 5); // zero latency behind a delayed message still waits its turn
    await timers.runUntil(100);
    expect(got.get(2)).toEqual(['1:1@50', '1:2@50', '1:3@50', '1:5@50']);
    expect(got.get(3)).toEqual(['1:4@10']);
  });

  it('drops at send across a cut link, and in flight when the cut comes before arrival', async () => {
    const timers = new VirtualTimers();
    const { net, got, send } = net3(timers);
    net.setLinkLatency(timers, () => 30);
    net.block(1, 3);
    send(1, 3, 1); // cut at send: dropped at once, no timer
    expect(net.stats.dropped).toBe(1);
    expect(timers.pending).toBe(0);
    send(1, 2, 2);
    send(2, 1, 3);
    await timers.runUntil(10);
    net.partition([1], [2]); // both in flight: cut on arrival
    await timers.runUntil(100);
    expect([...got.values()].flat()).toEqual([]);
    expect(net.stats).toEqual({ sent: 3, delivered: 0, dropped: 3 });
    net.heal();
    send(1, 2, 4);
    await timers.runUntil(200);
    expect(got.get(2)).toEqual(['1:4@130']);
  });

  it('tells the peers of a closed endpoint one link latency later, except across a cut', async () => {
    const timers = new VirtualTimers();
    const { net } = net3(timers);
    net.setLinkLatency(timers, (a, b) => (a + b === 3 ? 20 : 45));
    const down: string[] = [];
    for (const id of [2, 3]) net.transport(id).onPeerDown!((p) => down.push(`${id}<-${p}@${timers.now()}`));
    net.block(1, 3);
    await net.transport(1).close();
    await timers.runUntil(100);
    expect(down).toEqual(['2<-1@20']);
  });

  it('with zero latency delivers on the next event-loop turn as without it, setting no timer', async () => {
    const timers = new VirtualTimers();
    const { net, got, send } = net3(timers);
    net.setLinkLatency(timers, () => 0);
    send(1, 2, 1);
    expect(timers.pending).toBe(0);
    expect(got.get(2)).toEqual([]); // never inside send
    await new Promise((r) => setImmediate(r));
    expect(got.get(2)).toEqual(['1:1@0']);
  });
});

describe('RaftHost over a LocalNetwork with link latency', () => {
  /** Leader 1 and followers 2 (`near` ms one way) and 3 (100 ms): elect 1, then time one commit. */
  async function commitMs(near: number): Promise<{ commitMs: number; electedAtMs: number }> {
    const timers = new VirtualTimers();
    const net = new LocalNetwork();
    const oneWay = (a: NodeId, b: NodeId) => (a === 1 || b === 1 ? (a + b === 3 ? near : 100) : 100);
    net.setLinkLatency(timers, oneWay);
    const ids = [1, 2, 3];
    const hosts = ids.map(
      (id) =>
        new RaftHost({
          id,
          peers: ids.filter((p) => p !== id),
          storage: new MemoryStorage(),
          transport: net.transport(id),
          stateMachine: new KvReplicaMachine(),
          timers,
          seed: id,
          // Node 1 campaigns first (a short timeout range); the others wait far longer.
          ...(id === 1 ? {} : { electionTicks: 1000 }),
        }),
    );
    for (const h of hosts) h.start();
    const leader = hosts[0]!;
    for (let t = 0; t < 500 && leader.status().role !== 'leader'; t++)
      await timers.runUntil(timers.now() + 1);
    expect(leader.status().role).toBe('leader');
    const electedAtMs = timers.now();
    // Let the leader's first entry commit before timing a proposal of our own.
    await timers.runUntil(timers.now() + 1000);
    const start = timers.now();
    const p = leader.propose(JSON.stringify({ id: 1, client: 0, op: 'put', key: 'k', value: 'v' }));
    let done = -1;
    void p.then(() => (done = timers.now()));
    for (let t = 0; t < 2000 && done < 0; t++) await timers.runUntil(timers.now() + 1);
    for (const h of hosts) await h.stop();
    expect(done).toBeGreaterThanOrEqual(0);
    return { commitMs: done - start, electedAtMs };
  }

  it('commits after the round trip to the nearest follower, not before', async () => {
    const near = await commitMs(10);
    const far = await commitMs(50);
    // A majority of three is the leader and its nearest follower: one round trip to it.
    expect(near.commitMs).toBeGreaterThanOrEqual(20);
    expect(near.commitMs).toBeLessThan(20 + 15);
    expect(far.commitMs).toBeGreaterThanOrEqual(100);
    expect(far.commitMs).toBeLessThan(100 + 15);
    // Winning the election needs a vote back from the nearest follower too (pre-vote, then vote).
    expect(far.electedAtMs - near.electedAtMs).toBeGreaterThanOrEqual(2 * (100 - 20) - 10);
  });
});

import { Random } from '../../domain/src';
import { RaftNode } from '../src/node';
import { TestCluster } from './helpers';

describe('RaftNode', () => {
  it('elects one leader with randomized timeouts, and it commits its no-op', () => {
    const c = new TestCluster(3);
    c.tickAll(40);
    const leaders = c.leaders();
    expect(leaders).toHaveLength(1);
    const l = leaders[0]!;
    expect(l.committed).toBeGreaterThanOrEqual(1);
    expect(l.log.entry(l.committed)!.term).toBe(l.term);
    for (const n of c.nodes.values()) expect(n.leader).toBe(l.id);
  });

  it('replicates proposals in batches and applies them everywhere in order', () => {
    const c = new TestCluster(5, { maxEntriesPerMsg: 10 });
    const l = c.elect(1);
    for (let i = 0; i < 25; i++) expect(l.propose(`x${i}`)).not.toBeNull();
    const rd = l.ready();
    const apps = rd.messages.filter((m) => m.type === 'App' && m.to === 2);
    expect(apps.map((m) => m.entries.length)).toEqual([10, 10, 5]);
    c.storages.get(1)!.save(rd);
    c.mailbox.push(...rd.messages);
    l.advance(rd);
    c.deliverAll();
    for (const id of c.ids) {
      const data = c.applied
        .get(id)!
        .map((e) => e.data)
        .filter((d) => d !== '');
      expect(data).toEqual(Array.from({ length: 25 }, (_, i) => `x${i}`));
    }
  });

  it('does not commit before its own disk has the entries', () => {
    const c = new TestCluster(3);
    const l = c.elect(1);
    c.deliverAll();
    const p = l.propose('durable')!;
    const rd = l.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([p.index]);
    expect(l.committed).toBeLessThan(p.index);
  });

  it('pipelines appends in replicate state up to maxInflight', () => {
    const c = new TestCluster(3, { maxEntriesPerMsg: 2, maxInflight: 3 });
    const l = c.elect(1);
    c.deliverAll();
    expect(l.progressOf(2)!.state).toBe('replicate');
    for (let i = 0; i < 20; i++) l.propose(`p${i}`);
    const rd = l.ready();
    const to2 = rd.messages.filter((m) => m.type === 'App' && m.to === 2);
    expect(to2.map((m) => m.entries.length)).toEqual([2, 2, 2]);
    expect(l.progressOf(2)!.inflight).toBe(3);
    c.storages.get(1)!.save(rd);
    c.mailbox.push(...rd.messages);
    l.advance(rd);
    c.deliverAll();
    expect(c.node(2).committed).toBe(l.committed);
    expect(l.committed).toBe(l.log.lastIndex());
  });

  it('does not let a rejoining partitioned node depose a healthy leader (pre-vote + check-quorum)', () => {
    const c = new TestCluster(3);
    const l = c.elect(1);
    c.deliverAll();
    const term = l.term;
    c.cut.add(3);
    c.tickAll(100); // n3 times out again and again but pre-votes go nowhere
    expect(c.node(3).term).toBe(term);
    c.cut.delete(3);
    c.node(3).campaignNow();
    c.deliverAll();
    c.tickAll(5);
    expect(l.role).toBe('leader');
    expect(l.term).toBe(term);
  });

  it('steps a leader down when it loses its quorum (check-quorum)', () => {
    const c = new TestCluster(3);
    const l = c.elect(1);
    c.cut.add(1);
    c.tickAll(30);
    expect(l.role).not.toBe('leader');
    const others = c.leaders();
    expect(others).toHaveLength(1);
    expect(others[0]!.id).not.toBe(1);
  });

  it('repairs a divergent follower log with the conflict hint in one round trip', () => {
    const ents = (from: number, to: number, term: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => ({
        index: from + i,
        term,
        data: `t${term}.${from + i}`,
      }));
    const c = new TestCluster(3);
    // n1 holds 30 entries of term 1 that n2 and n3 never saw; they hold 40 of term 2.
    c.storages.get(1)!.save({ entries: ents(1, 31, 1), hardState: { term: 1, vote: 1, commit: 1 } });
    for (const id of [2, 3])
      c.storages
        .get(id)!
        .save({ entries: [...ents(1, 1, 1), ...ents(2, 41, 2)], hardState: { term: 2, vote: 2, commit: 1 } });
    for (const id of c.ids) c.restart(id);
    let rejects = 0;
    c.onDeliver = (m) => {
      if (m.type === 'AppResp' && m.reject && m.from === 1) {
        rejects++;
        expect([m.rejectHint, m.logTerm]).toEqual([31, 1]);
      }
    };
    const l = c.elect(2);
    c.tickAll(3);
    const n1 = c.node(1);
    expect(n1.log.slice(1, 100).map((e) => e.data)).toEqual(l.log.slice(1, 100).map((e) => e.data));
    // Without the hint the leader would walk back one index per round trip (40 rejections).
    expect(rejects).toBe(1);
    expect(n1.committed).toBe(l.committed);
  });

  it('sends a snapshot to a follower behind the compacted log', () => {
    const c = new TestCluster(3);
    const l = c.elect(1);
    c.cut.add(3);
    for (let i = 0; i < 20; i++) l.propose(`e${i}`);
    c.deliverAll();
    l.compact(l.applied, 'image@' + l.applied);
    c.flush();
    expect(l.log.snapIndex).toBeGreaterThan(10);
    c.cut.delete(3);
    c.tickAll(3);
    const n3 = c.node(3);
    expect(n3.log.snapIndex).toBe(l.log.snapIndex);
    expect(c.storages.get(3)!.load().snapshot?.data).toBe(`image@${l.log.snapIndex}`);
    expect(n3.committed).toBe(l.committed);
  });

  it('restarts from storage with its term, vote and log', () => {
    const c = new TestCluster(3);
    const l = c.elect(1);
    l.propose('keep');
    c.deliverAll();
    const before = c.node(2).status();
    const n2 = c.restart(2);
    expect(n2.term).toBe(before.term);
    expect(n2.log.lastIndex()).toBe(before.lastIndex);
    expect(n2.vote).toBe(1);
  });

  it('never calls Math.random: the same seed gives the same elections', () => {
    const run = () => {
      const c = new TestCluster(5);
      c.tickAll(60);
      return [...c.nodes.values()].map((n) => `${n.role}:${n.term}`).join(',');
    };
    const spy = jest.spyOn(Math, 'random');
    expect(run()).toBe(run());
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('rejects a bad configuration clearly', () => {
    expect(() => new RaftNode({ id: 4, members: [1, 2, 3], random: new Random(1) })).toThrow(/not among/);
    expect(
      () => new RaftNode({ id: 1, members: [1, 2, 3], random: new Random(1), heartbeatTick: 10 }),
    ).toThrow(/heartbeatTick/);
  });
});

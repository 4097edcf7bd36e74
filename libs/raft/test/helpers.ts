import { Random } from '../../domain/src';
import { RaftNode, type RaftConfig } from '../src/node';
import { MemoryStorage, type RaftStorage } from '../src/storage';
import type { Entry, Message, NodeId } from '../src/types';

/**
 * A hand-driven cluster for unit tests: messages go into a mailbox and are delivered only when
 * the test says, optionally dropping those across a cut.
 */
export class TestCluster {
  readonly nodes = new Map<NodeId, RaftNode>();
  readonly storages = new Map<NodeId, RaftStorage>();
  readonly applied = new Map<NodeId, Entry[]>();
  mailbox: Message[] = [];
  readonly cut = new Set<NodeId>();
  readonly ids: NodeId[];
  /** Sees every delivered message (tests count rejections etc.). */
  onDeliver: (m: Message) => void = () => {};

  constructor(
    n: number,
    private readonly extra: Partial<RaftConfig> = {},
    makeStorage: (id: NodeId) => RaftStorage = () => new MemoryStorage(),
  ) {
    this.ids = Array.from({ length: n }, (_, i) => i + 1);
    for (const id of this.ids) {
      this.storages.set(id, makeStorage(id));
      this.applied.set(id, []);
      this.restart(id);
    }
  }

  restart(id: NodeId): RaftNode {
    const node = new RaftNode(
      {
        id,
        members: this.ids,
        random: new Random(id * 7919),
        electionTick: 10,
        heartbeatTick: 1,
        ...this.extra,
      },
      this.storages.get(id)!.load(),
    );
    this.nodes.set(id, node);
    return node;
  }

  node(id: NodeId): RaftNode {
    return this.nodes.get(id)!;
  }

  /** Persist, send (into the mailbox), apply, advance — for every node with work. */
  flush(): void {
    for (const [id, n] of this.nodes) {
      while (n.hasReady()) {
        const rd = n.ready();
        this.storages.get(id)!.save(rd);
        this.mailbox.push(...rd.messages);
        this.applied.get(id)!.push(...rd.committedEntries);
        n.advance(rd);
      }
    }
  }

  /** Delivers until quiet (or `max` messages), dropping messages to or from cut nodes. */
  deliverAll(max = 100_000): number {
    let n = 0;
    this.flush();
    while (this.mailbox.length > 0 && n < max) {
      const m = this.mailbox.shift()!;
      n++;
      if (this.cut.has(m.from) || this.cut.has(m.to)) continue;
      this.onDeliver(m);
      this.nodes.get(m.to)?.step(m);
      this.flush();
    }
    return n;
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const n of this.nodes.values()) n.tick();
      this.deliverAll();
    }
  }

  leaders(): RaftNode[] {
    return [...this.nodes.values()].filter((n) => n.role === 'leader');
  }

  elect(id: NodeId): RaftNode {
    this.node(id).campaignNow();
    this.deliverAll();
    const l = this.node(id);
    if (l.role !== 'leader') throw new Error(`n${id} did not win (${l.role})`);
    return l;
  }
}

import * as net from 'net';
import { encodeFrame } from '../src/frame';
import { RaftHost } from '../src/host';
import { KvReplicaMachine } from '../src/sim/kv';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileStorage } from '../src/file-storage';
import type { RaftStorage } from '../src/storage';
import { TcpTransport } from '../src/tcp-transport';
import type { Message, NodeId } from '../src/types';

const IDS = [1, 2, 3];
const put = (key: string, value: string) => JSON.stringify({ id: 0, client: 0, op: 'put', key, value });

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Replica {
  id: NodeId;
  port: number;
  storage: RaftStorage;
  sm: KvReplicaMachine;
  transport: TcpTransport;
  host: RaftHost;
}

/** Three replicas on 127.0.0.1, each on an ephemeral port, with real TCP between them. */
class TcpCluster {
  readonly replicas = new Map<NodeId, Replica>();
  readonly warnings: string[] = [];

  async start(): Promise<void> {
    const ts = new Map<NodeId, TcpTransport>();
    for (const id of IDS) {
      const t = new TcpTransport({ id, port: 0, log: (l) => this.warnings.push(l) });
      await t.listen();
      ts.set(id, t);
    }
    for (const id of IDS) this.boot(id, ts.get(id)!, this.storage(id));
  }

  peerMap(id: NodeId): Map<NodeId, { host: string; port: number }> {
    return new Map(IDS.filter((p) => p !== id).map((p) => [p, { host: '127.0.0.1', port: this.port(p) }]));
  }

  port(id: NodeId): number {
    return this.replicas.get(id)!.port;
  }

  /** FileStorage (fsync per Ready, off the event loop) in a temp dir, as the replica process uses. */
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-tcp-'));

  storage(id: NodeId): FileStorage {
    return new FileStorage(path.join(this.dir, `n${id}.raftlog`));
  }

  private boot(id: NodeId, transport: TcpTransport, storage: RaftStorage): Replica {
    const sm = new KvReplicaMachine();
    const host = new RaftHost({
      id,
      peers: IDS.filter((p) => p !== id),
      storage,
      transport,
      stateMachine: sm,
      tickMs: 10,
      electionTicks: 15,
    });
    const r = { id, port: transport.port, storage, sm, transport, host };
    this.replicas.set(id, r);
    return r;
  }

  /** Wires the peers (ports are known only after every listen) and starts the hosts. */
  run(): void {
    for (const r of this.replicas.values()) {
      for (const [p, addr] of this.peerMap(r.id)) r.transport.setPeer(p, addr);
      r.host.start();
    }
  }

  leader(): Replica | undefined {
    const ls = [...this.replicas.values()].filter((r) => r.host.status().role === 'leader');
    return ls.length === 1 ? ls[0] : undefined;
  }

  async waitLeader(): Promise<Replica> {
    await waitFor(() => this.leader() !== undefined);
    return this.leader()!;
  }

  /** Stops a replica (its sockets close) and brings it back on the same port from its log file. */
  async restart(id: NodeId): Promise<Replica> {
    const old = this.replicas.get(id)!;
    await old.host.stop();
    const t = new TcpTransport({
      id,
      port: old.port,
      peers: this.peerMap(id),
      log: (l) => this.warnings.push(l),
    });
    await t.listen();
    const r = this.boot(id, t, this.storage(id));
    r.host.start();
    return r;
  }

  async stop(): Promise<void> {
    for (const r of this.replicas.values()) await r.host.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('TcpTransport', () => {
  let c: TcpCluster;
  beforeEach(async () => {
    c = new TcpCluster();
    await c.start();
    c.run();
  });
  afterEach(() => c.stop());

  it('three replicas over real TCP elect a leader and commit', async () => {
    const l = await c.waitLeader();
    const res = await l.host.proposeMany(Array.from({ length: 1000 }, (_, i) => put(`k${i}`, `v${i}`)));
    expect(res).toHaveLength(1000);
    const target = l.host.status().commit;
    await waitFor(() => [...c.replicas.values()].every((r) => r.host.status().applied >= target));
    for (const r of c.replicas.values()) expect(r.sm.snapshot()).toBe(l.sm.snapshot());
    expect(l.sm.size).toBe(1000);
  });

  it('survives the leader restarting: a new leader serves, the old one reconnects and catches up', async () => {
    const l = await c.waitLeader();
    await l.host.propose(put('before', '1'));
    const restarted = await c.restart(l.id);
    const l2 = await c.waitLeader();
    await l2.host.propose(put('after', '2'));
    const target = l2.host.status().commit;
    await waitFor(() => restarted.host.status().applied >= target);
    expect(restarted.sm.get('before')).toBe('1');
    expect(restarted.sm.get('after')).toBe('2');
    // Its peers dialled it again after it came back.
    for (const r of c.replicas.values())
      if (r.id !== l.id) expect(r.transport.stats.connects).toBeGreaterThanOrEqual(2);
  });

  it('drops garbage, oversized and misaddressed frames, closing the connection, and keeps committing', async () => {
    const l = await c.waitLeader();
    const victim = [...c.replicas.values()].find((r) => r !== l)!;
    const hb: Message = {
      type: 'Heartbeat',
      from: l.id,
      to: victim.id,
      term: 1_000_000, // would depose the leader if it were believed
      index: 0,
      logTerm: 0,
      commit: 0,
      reject: false,
      rejectHint: 0,
      entries: [],
    };
    const misaddressed = encodeFrame({ ...hb, to: 99 });
    const unknownSender = encodeFrame({ ...hb, from: 42 });
    const oversized = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    const garbage = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(50));
    const closed: boolean[] = [];
    for (const bytes of [garbage, oversized, misaddressed, unknownSender]) {
      closed.push(await spew(victim.port, bytes));
    }
    expect(closed).toEqual([true, true, true, true]);
    expect(victim.transport.stats.rejectedFrames).toBe(4);
    expect(c.warnings.some((w) => /bad frame .*exceeds/.test(w))).toBe(true);
    expect(c.warnings.some((w) => /frame for n99/.test(w))).toBe(true);
    // Nothing of it reached Raft: same leader, same term, still committing through the victim.
    expect(c.leader()?.id).toBe(l.id);
    expect(victim.host.status().term).toBe(l.host.status().term);
    await expect(l.host.propose(put('still', 'ok'))).resolves.toBe('ok');
  });
});

/** Connects, writes the bytes, and reports whether the node closed the connection on us. */
function spew(port: number, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 2000);
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

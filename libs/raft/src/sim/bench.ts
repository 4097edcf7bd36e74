import { performance } from 'perf_hooks';
import { Random } from '../../../domain/src';
import { RaftNode } from '../node';
import { MemoryStorage } from '../storage';
import type { Message, NodeId } from '../types';

/*
 * Micro-benchmark (not a test): three in-memory nodes in one process, no network or fsync cost.
 * 1. Throughput: proposals in batches, messages delivered at once; committed entries per second
 *    of wall time — the cost of the Raft core itself.
 * 2. Latency in ticks: every message takes one tick to arrive; how many ticks from propose to
 *    commit at the leader (2 is the floor: append out, acknowledgement back).
 * `npm run bench:raft [-- --entries 200000 --batch 256]` prints JSON.
 */
function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function cluster(maxEntries: number): { nodes: Map<NodeId, RaftNode>; stores: Map<NodeId, MemoryStorage> } {
  const ids = [1, 2, 3];
  const nodes = new Map<NodeId, RaftNode>();
  const stores = new Map<NodeId, MemoryStorage>();
  for (const id of ids) {
    stores.set(id, new MemoryStorage());
    nodes.set(
      id,
      new RaftNode({
        id,
        members: ids,
        random: new Random(id),
        maxEntriesPerMsg: maxEntries,
        maxInflight: 64,
      }),
    );
  }
  return { nodes, stores };
}

/** Drains every node's Ready once; returns the messages and how many entries the leader applied. */
function drain(c: ReturnType<typeof cluster>, onApply: (id: NodeId, index: number) => void): Message[] {
  const out: Message[] = [];
  for (const [id, n] of c.nodes) {
    while (n.hasReady()) {
      const rd = n.ready();
      c.stores.get(id)!.save(rd);
      out.push(...rd.messages);
      for (const e of rd.committedEntries) onApply(id, e.index);
      n.advance(rd);
    }
  }
  return out;
}

function elect(c: ReturnType<typeof cluster>): RaftNode {
  const l = c.nodes.get(1)!;
  l.campaignNow();
  for (let i = 0; i < 20; i++) {
    for (const m of drain(c, () => {})) c.nodes.get(m.to)!.step(m);
  }
  if (l.role !== 'leader') throw new Error('no leader');
  return l;
}

function throughput(total: number, batch: number): { entriesPerSec: number; entries: number; ms: number } {
  const c = cluster(batch);
  const l = elect(c);
  const start = l.committed;
  const payload = 'x'.repeat(64);
  const t0 = performance.now();
  let proposed = 0;
  while (l.committed - start < total) {
    for (let i = 0; i < batch && proposed < total; i++, proposed++) l.propose(payload);
    let msgs = drain(c, () => {});
    while (msgs.length > 0) {
      for (const m of msgs) c.nodes.get(m.to)!.step(m);
      msgs = drain(c, () => {});
    }
    for (const [id, n] of c.nodes) if (id !== l.id) n.compact(Math.max(n.applied - 1000, 0), '');
    if (l.applied > 1000) l.compact(l.applied - 1000, '');
  }
  const ms = performance.now() - t0;
  return { entriesPerSec: Math.round((total / ms) * 1000), entries: total, ms: Math.round(ms) };
}

function latency(
  rounds: number,
  perTick: number,
): { p50: number; p99: number; max: number; samples: number } {
  const c = cluster(256);
  const l = elect(c);
  const proposedAt = new Map<number, number>();
  const lat: number[] = [];
  let inFlight: Message[] = [];
  for (let tick = 0; tick < rounds; tick++) {
    for (const m of inFlight) c.nodes.get(m.to)!.step(m);
    for (let i = 0; i < perTick; i++) proposedAt.set(l.propose('y')!.index, tick);
    for (const n of c.nodes.values()) n.tick();
    inFlight = drain(c, (id, index) => {
      const at = proposedAt.get(index);
      if (id === l.id && at !== undefined) lat.push(tick - at);
    });
  }
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] ?? NaN, samples: lat.length };
}

const entries = arg('entries', 200_000);
const batch = arg('batch', 256);
console.log(
  JSON.stringify(
    {
      bench: 'raft-core-3-nodes-in-memory',
      throughput: throughput(entries, batch),
      batch,
      commitLatencyTicks: latency(2000, 10),
    },
    null,
    2,
  ),
);

import type { Timers } from '../../domain/src';
import type { Message, NodeId } from './types';

/**
 * How a RaftHost reaches its peers. Raft tolerates loss, duplication and reordering, so a
 * transport may drop anything it cannot deliver: the leader's heartbeats and probes resend.
 */
export interface RaftTransport {
  /** Best effort: a message to an unreachable peer is dropped (Raft retries). Never throws. */
  send(m: Message): void;
  /** Messages from peers, after validation. One handler (a second call replaces the first). */
  onMessage(handler: (m: Message) => void): void;
  /**
   * Optional hint: the connection from `peer` dropped (its process may have died). A follower
   * whose leader this is campaigns at once instead of waiting out the election timeout.
   */
  onPeerDown?(handler: (peer: NodeId) => void): void;
  close(): Promise<void>;
}

/** One-way delay (ms) of a message on the link `from` → `to`; 0: the next event-loop turn. */
export type LinkLatency = (from: NodeId, to: NodeId) => number;

/**
 * In-process transports for N nodes (tests and the embedded mode). A message is delivered on a
 * later event-loop turn (setImmediate), never inside `send`, as over a socket. Links can be cut
 * per direction to make partitions; a closed endpoint drops what is sent to it.
 *
 * With a link latency (`setLinkLatency`, the simulator's regions) a message is delivered that
 * much later on the given clock, and each link stays in order as a TCP connection does: a message
 * never overtakes an earlier one on its link, even when the latency drops meanwhile.
 */
export class LocalNetwork {
  private readonly endpoints = new Map<NodeId, LocalTransport>();
  private readonly blocked = new Set<string>();
  private latency: { readonly timers: Timers; readonly ms: LinkLatency } | null = null;
  /** Per link (`linkKey`): when its last delayed message arrives (clock ms), for FIFO order. */
  private readonly lastArrival = new Map<number, number>();
  /** Messages handed to `send` / delivered / dropped (cut link, closed or unknown endpoint). */
  readonly stats = { sent: 0, delivered: 0, dropped: 0 };

  /**
   * Delays every message by `ms(from, to)` on `timers` (null: none, as before). Messages already
   * in flight keep their arrival time.
   */
  setLinkLatency(timers: Timers, ms: LinkLatency): void;
  setLinkLatency(off: null): void;
  setLinkLatency(timers: Timers | null, ms?: LinkLatency): void {
    this.latency = timers && ms ? { timers, ms } : null;
  }

  /** The endpoint of node `id`; a new one replaces a closed one (a restarted node). */
  transport(id: NodeId): RaftTransport {
    const cur = this.endpoints.get(id);
    if (cur && !cur.closed) return cur;
    const t = new LocalTransport(id, this);
    this.endpoints.set(id, t);
    return t;
  }

  /** Cuts every link between the two groups, both ways. */
  partition(a: readonly NodeId[], b: readonly NodeId[]): void {
    for (const x of a) {
      for (const y of b) {
        this.blocked.add(`${x}>${y}`);
        this.blocked.add(`${y}>${x}`);
      }
    }
  }

  /** Cuts one direction only (asymmetric partitions). */
  block(from: NodeId, to: NodeId): void {
    this.blocked.add(`${from}>${to}`);
  }

  /** Cuts `id` off from every other node. */
  isolate(id: NodeId): void {
    const others = [...this.endpoints.keys()].filter((o) => o !== id);
    this.partition([id], others);
  }

  heal(): void {
    this.blocked.clear();
  }

  /** @internal An endpoint closed (a node stopped): the others get the peer-down hint. */
  closed(id: NodeId): void {
    const lat = this.latency;
    if (lat) {
      // The connection's reset reaches each peer one link latency later, on the same clock.
      for (const other of this.endpoints.keys()) {
        if (other === id) continue;
        lat.timers.setTimer(lat.ms(id, other), () => {
          const t = this.endpoints.get(other);
          if (t && !t.closed && !this.blocked.has(`${id}>${other}`)) t.peerDown?.(id);
        });
      }
      return;
    }
    setImmediate(() => {
      for (const [other, t] of this.endpoints) {
        if (other !== id && !t.closed && !this.blocked.has(`${id}>${other}`)) t.peerDown?.(id);
      }
    });
  }

  /** @internal */
  route(m: Message): void {
    this.stats.sent++;
    if (this.blocked.has(`${m.from}>${m.to}`)) {
      this.stats.dropped++;
      return;
    }
    const lat = this.latency;
    if (lat) {
      const now = lat.timers.now();
      const key = linkKey(m.from, m.to);
      const last = this.lastArrival.get(key);
      const delay = lat.ms(m.from, m.to);
      if (delay > 0 || (last !== undefined && last > now)) {
        // Not before the link's previous message: equal arrival times fire in the order set.
        let d = delay;
        if (last !== undefined && now + d < last) {
          d = last - now;
          // now + (last - now) can round below last by an ulp: never land before the predecessor.
          while (now + d < last) d *= 1 + Number.EPSILON;
        }
        this.lastArrival.set(key, now + d);
        lat.timers.setTimer(d, () => this.deliver(m));
        return;
      }
    }
    setImmediate(() => this.deliver(m));
  }

  private deliver(m: Message): void {
    const dst = this.endpoints.get(m.to);
    // Links are checked again at delivery: a partition made while a message is in flight cuts it.
    if (!dst || dst.closed || !dst.handler || this.blocked.has(`${m.from}>${m.to}`)) {
      this.stats.dropped++;
      return;
    }
    this.stats.delivered++;
    dst.handler(m);
  }
}

/** A number per directed link, so the per-message FIFO bookkeeping allocates no string. */
function linkKey(from: NodeId, to: NodeId): number {
  return from * 0x100000 + to;
}

class LocalTransport implements RaftTransport {
  closed = false;
  handler: ((m: Message) => void) | null = null;
  peerDown: ((peer: NodeId) => void) | null = null;

  constructor(
    readonly id: NodeId,
    private readonly net: LocalNetwork,
  ) {}

  send(m: Message): void {
    if (this.closed || m.from !== this.id) return;
    this.net.route(m);
  }

  onMessage(handler: (m: Message) => void): void {
    this.handler = handler;
  }

  onPeerDown(handler: (peer: NodeId) => void): void {
    this.peerDown = handler;
  }

  close(): Promise<void> {
    if (!this.closed) this.net.closed(this.id);
    this.closed = true;
    this.handler = null;
    this.peerDown = null;
    return Promise.resolve();
  }
}

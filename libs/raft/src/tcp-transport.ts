import * as net from 'net';
import { DEFAULT_MAX_FRAME, FrameDecoder, FrameError, encodeFrame } from './frame';
import type { RaftTransport } from './transport';
import type { Message, NodeId } from './types';

export interface PeerAddress {
  host: string;
  port: number;
}

export interface TcpTransportOptions {
  id: NodeId;
  /** Where to listen; port 0 picks a free one (see `port` after `listen()`). */
  host?: string;
  port: number;
  /** Peer id -> address. More can be set later with `setPeer` (ephemeral ports in tests). */
  peers?: ReadonlyMap<NodeId, PeerAddress> | Record<number, PeerAddress>;
  /** Largest frame accepted or sent. Default 64 MiB. */
  maxFrameBytes?: number;
  /** Bytes waiting for one peer (unconnected or slow) beyond which new messages are dropped. Default 8 MiB. */
  maxQueueBytes?: number;
  /** Reconnect backoff: doubles from min to max, with jitter. Defaults 10 ms and 500 ms. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Where warnings go (rate-limited here). Default console.warn. */
  log?: (line: string) => void;
}

/** Counters for tests and benchmarks. */
export interface TcpTransportStats {
  framesSent: number;
  framesReceived: number;
  dropped: number;
  rejectedFrames: number;
  connects: number;
}

/** Logs at most `perSecond` lines a second and says how many it held back. */
class RateLimitedLog {
  private windowStart = 0;
  private count = 0;
  private suppressed = 0;

  constructor(
    private readonly sink: (line: string) => void,
    private readonly perSecond = 5,
  ) {}

  warn(line: string): void {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      if (this.suppressed > 0) this.sink(`raft-tcp: ${this.suppressed} similar warnings suppressed`);
      this.windowStart = now;
      this.count = 0;
      this.suppressed = 0;
    }
    if (this.count++ < this.perSecond) this.sink(line);
    else this.suppressed++;
  }
}

/**
 * Raft messages over TCP between replicas on 127.0.0.1, one length-prefixed binary frame each
 * (`frame.ts`). Each node dials one outbound connection per peer and only writes on it; it only
 * reads on the connections peers dial to it. Sending never blocks or throws: a message for a peer
 * that is down, or whose queue is full, is dropped and Raft resends. A frame that is malformed,
 * oversized, not addressed to this node or not from a known peer closes its connection, with a
 * rate-limited warning; the node carries on.
 */
export class TcpTransport implements RaftTransport {
  readonly id: NodeId;
  readonly stats: TcpTransportStats = {
    framesSent: 0,
    framesReceived: 0,
    dropped: 0,
    rejectedFrames: 0,
    connects: 0,
  };
  private readonly server: net.Server;
  private readonly peers = new Map<NodeId, Peer>();
  private readonly inbound = new Set<net.Socket>();
  private handler: ((m: Message) => void) | null = null;
  private peerDownHandler: ((peer: NodeId) => void) | null = null;
  /** Inbound connections per peer (known from the first frame): the hint fires when the last closes. */
  private readonly inboundFrom = new Map<NodeId, number>();
  private readonly log: RateLimitedLog;
  private readonly maxFrame: number;
  private closed = false;
  private boundPort = 0;

  constructor(private readonly opts: TcpTransportOptions) {
    this.id = opts.id;
    this.maxFrame = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME;
    this.log = new RateLimitedLog(opts.log ?? ((l) => console.warn(l)));
    const peers =
      opts.peers instanceof Map
        ? [...opts.peers.entries()]
        : Object.entries(opts.peers ?? {}).map(([k, v]) => [Number(k), v] as const);
    for (const [id, addr] of peers) this.setPeer(id, addr);
    this.server = net.createServer((s) => this.accept(s));
    this.server.on('error', (e) => this.log.warn(`raft-tcp n${this.id}: server error: ${e.message}`));
  }

  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen(this.opts.port, this.opts.host ?? '127.0.0.1', () => {
        this.server.off('error', onError);
        this.boundPort = (this.server.address() as net.AddressInfo).port;
        resolve(this.boundPort);
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  setPeer(id: NodeId, addr: PeerAddress): void {
    if (id === this.id) throw new Error(`node ${id} cannot be its own peer`);
    const old = this.peers.get(id);
    if (old) old.close();
    this.peers.set(id, new Peer(this, id, addr, this.opts));
  }

  send(m: Message): void {
    if (this.closed) return;
    const p = this.peers.get(m.to);
    if (!p || m.from !== this.id) {
      this.stats.dropped++;
      return;
    }
    let frame: Buffer;
    try {
      frame = encodeFrame(m);
    } catch (e) {
      this.warn(`cannot encode ${m.type} to n${m.to}: ${(e as Error).message}`);
      this.stats.dropped++;
      return;
    }
    if (frame.length - 4 > this.maxFrame) {
      this.warn(`${m.type} to n${m.to} is ${frame.length} bytes, over the frame limit: dropped`);
      this.stats.dropped++;
      return;
    }
    if (p.enqueue(frame)) this.stats.framesSent++;
    else this.stats.dropped++;
  }

  onMessage(handler: (m: Message) => void): void {
    this.handler = handler;
  }

  onPeerDown(handler: (peer: NodeId) => void): void {
    this.peerDownHandler = handler;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handler = null;
    for (const p of this.peers.values()) p.close();
    for (const s of this.inbound) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** @internal */
  warn(line: string): void {
    this.log.warn(`raft-tcp n${this.id}: ${line}`);
  }

  /** @internal */
  isClosed(): boolean {
    return this.closed;
  }

  private accept(s: net.Socket): void {
    if (this.closed) {
      s.destroy();
      return;
    }
    this.inbound.add(s);
    s.setNoDelay(true);
    const decoder = new FrameDecoder(this.maxFrame);
    const who = `${s.remoteAddress}:${s.remotePort}`;
    let peer: NodeId | null = null; // the one node that writes on this connection
    s.on('data', (chunk: Buffer) => {
      let msgs: Message[];
      try {
        msgs = decoder.push(chunk);
        for (const m of msgs) {
          this.validate(m);
          if (peer === null) {
            peer = m.from;
            this.inboundFrom.set(peer, (this.inboundFrom.get(peer) ?? 0) + 1);
          } else if (m.from !== peer) {
            throw new FrameError(`frame from n${m.from} on n${peer}'s connection`);
          }
        }
      } catch (e) {
        this.stats.rejectedFrames++;
        const why = e instanceof FrameError ? e.message : `unexpected: ${(e as Error).message}`;
        this.warn(`bad frame from ${who}: ${why}; closing the connection`);
        s.destroy();
        return;
      }
      for (const m of msgs) {
        this.stats.framesReceived++;
        this.handler?.(m);
      }
    });
    s.on('error', () => {}); // a reset peer; 'close' follows
    s.on('close', () => {
      this.inbound.delete(s);
      if (peer === null) return;
      const left = (this.inboundFrom.get(peer) ?? 1) - 1;
      if (left > 0) this.inboundFrom.set(peer, left);
      else {
        this.inboundFrom.delete(peer);
        if (!this.closed) this.peerDownHandler?.(peer);
      }
    });
  }

  private validate(m: Message): void {
    if (m.to !== this.id) throw new FrameError(`frame for n${m.to} reached n${this.id}`);
    if (!this.peers.has(m.from)) throw new FrameError(`frame from unknown node ${m.from}`);
  }
}

/** One outbound connection: dials, queues while connecting, reconnects with backoff. */
class Peer {
  private socket: net.Socket | null = null;
  private connected = false;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private corked = false;
  private readonly maxQueue: number;
  private readonly minMs: number;
  private readonly maxMs: number;

  constructor(
    private readonly t: TcpTransport,
    readonly id: NodeId,
    private readonly addr: PeerAddress,
    opts: TcpTransportOptions,
  ) {
    this.maxQueue = opts.maxQueueBytes ?? 8 * 1024 * 1024;
    this.minMs = opts.backoffMinMs ?? 10;
    this.maxMs = opts.backoffMaxMs ?? 500;
  }

  /** False if the frame was dropped (queue full). */
  enqueue(frame: Buffer): boolean {
    if (this.closed) return false;
    const s = this.socket;
    if (s && this.connected) {
      // The kernel buffer and Node's write queue are the queue once connected.
      if (s.writableLength + frame.length > this.maxQueue) return false;
      if (!this.corked) {
        // Frames sent in one turn leave in one write (writev) rather than one syscall each.
        this.corked = true;
        s.cork();
        process.nextTick(() => {
          this.corked = false;
          s.uncork();
        });
      }
      s.write(frame);
      return true;
    }
    if (this.queuedBytes + frame.length > this.maxQueue) return false;
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    if (!s && !this.retryTimer) this.dial();
    return true;
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.socket?.destroy();
    this.socket = null;
    this.queue = [];
    this.queuedBytes = 0;
  }

  private dial(): void {
    if (this.closed || this.t.isClosed()) return;
    const s = net.connect({ host: this.addr.host, port: this.addr.port });
    this.socket = s;
    s.setNoDelay(true);
    s.on('connect', () => {
      this.connected = true;
      this.attempt = 0;
      this.t.stats.connects++;
      const q = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      if (q.length > 0) s.write(q.length === 1 ? q[0]! : Buffer.concat(q));
    });
    // Peers never write on a connection we dialled.
    s.on('data', () => {
      this.t.warn(`n${this.id} wrote on an outbound connection; closing it`);
      s.destroy();
    });
    s.on('error', () => {}); // 'close' follows and schedules the retry
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = null;
      this.connected = false;
      this.scheduleRetry();
    });
  }

  private scheduleRetry(): void {
    if (this.closed || this.t.isClosed() || this.retryTimer) return;
    const base = Math.min(this.maxMs, this.minMs * 2 ** this.attempt++);
    const delay = base / 2 + Math.random() * (base / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.dial();
    }, delay);
  }
}

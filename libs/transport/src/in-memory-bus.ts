import { nonNegative, positiveInt } from './options';
import type { TimerHandle, Timers } from '../../domain/src/time';
import {
  BusClosedError,
  BusTimeoutError,
  type BatchHandler,
  type Bus,
  type Envelope,
  type OutMessage,
  type Subscription,
} from './bus';

/** What `onError` is told about a batch whose handler threw or rejected. */
export interface BatchFailure {
  readonly topic: string;
  readonly group: string;
  readonly partition: number;
  readonly size: number;
}

export interface InMemoryBusOptions {
  /** All delivery runs on these timers: VirtualTimers in the simulator, WallTimers otherwise. */
  timers: Timers;
  /** Modelled broker latency per topic (ms), asked once per publish call. Default 0. */
  latencyMs?: (topic: string) => number;
  /**
   * Modelled latency of one message's hop (ms), asked per message and added to `latencyMs`: the
   * simulator's network, which knows the regions of sender and receiver from the topic and value.
   * A reply is asked with the request it answers (`inReplyTo`): it travels the same link back.
   */
  linkLatencyMs?: (topic: string, value: unknown, inReplyTo?: Envelope) => number;
  /** Partitions per topic. Default 8. */
  partitions?: number;
  /** Largest batch handed to a handler. Default 500. */
  maxBatch?: number;
  /** Wait before a failed batch is redelivered (ms). Default 100. */
  retryDelayMs?: number;
  /**
   * Told once per failing batch (not again while the same batch keeps failing on retries).
   * Default: console.error.
   */
  onError?: (err: unknown, failure: BatchFailure) => void;
  /**
   * Deep-copy values (structuredClone) on publish and again per delivery, so tests catch code that
   * mutates a message it has sent or received. Off by default: the embedded flow is zero-copy.
   */
  cloneMessages?: boolean;
  /** Names this bus's reply topic and correlation ids (`_reply.<name>`, `<name>:<n>`). Default 'inmem'. */
  name?: string;
}

/** A message queued for one group's partition; shared by every group of the topic. */
interface Queued {
  readonly env: Envelope;
  /** Not delivered before this time (publish time + latency, monotone within a partition). */
  readonly readyAt: number;
}

interface Member {
  readonly handler: BatchHandler;
  active: boolean;
}

/** One group's view of one partition: its own offset (head) and at most one batch in flight. */
interface GroupPartition {
  queue: Queued[];
  head: number;
  timer: TimerHandle | null;
  dueAt: number;
  inFlight: boolean;
  /** Consecutive failures of the batch at the head (reset when a batch is acknowledged). */
  failures: number;
}

interface Group {
  readonly name: string;
  readonly topic: string;
  /** In join order; partition p belongs to members[p % members.length]. */
  members: Member[];
  readonly parts: GroupPartition[];
}

interface TopicState {
  readonly groups: Map<string, Group>;
  /** Latest readyAt per partition, so jittered latency never reorders a partition. */
  readonly lastReadyAt: number[];
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
  timer: TimerHandle;
}

interface Outgoing {
  readonly key: string;
  readonly value: unknown;
  readonly replyTo?: string;
  readonly correlationId?: string;
}

const REPLY_GROUP = '_requester';
/** Compact a partition queue once this many delivered messages sit before its head. */
const COMPACT_AFTER = 1024;

/**
 * The bus for embedded and simulated runs, with Kafka's semantics (see bus.ts).
 *
 * Delivery always goes through `timers.setTimer`, never synchronously inside `publish`, so the same
 * code is deterministic on VirtualTimers and runs normally on WallTimers. Each (group, partition)
 * has one flush timer and at most one batch in flight: everything ready when the timer fires goes
 * out as one batch (up to maxBatch), and the next batch waits until the handler's promise settles,
 * which keeps per-key order. A rejected batch stays at the head and is redelivered after
 * retryDelayMs (at-least-once). Offset reset is 'latest': a new group sees only messages published
 * after it subscribed. Replies travel on an internal reply topic, so they get latency and batching too.
 */
export class InMemoryBus implements Bus {
  private readonly timers: Timers;
  private readonly latencyMs: ((topic: string) => number) | undefined;
  private readonly linkLatencyMs: InMemoryBusOptions['linkLatencyMs'];
  private readonly partitions: number;
  private readonly maxBatch: number;
  private readonly retryDelayMs: number;
  private readonly onError: (err: unknown, failure: BatchFailure) => void;
  private readonly clone: boolean;
  private readonly name: string;
  private readonly replyTopic: string;
  private readonly topics = new Map<string, TopicState>();
  private readonly pending = new Map<string, Pending>();
  private replyConsumer = false;
  private seq = 0;
  private closed = false;

  constructor(opts: InMemoryBusOptions) {
    this.timers = opts.timers;
    this.latencyMs = opts.latencyMs;
    this.linkLatencyMs = opts.linkLatencyMs;
    this.partitions = positiveInt(opts.partitions ?? 8, 'partitions');
    this.maxBatch = positiveInt(opts.maxBatch ?? 500, 'maxBatch');
    this.retryDelayMs = nonNegative(opts.retryDelayMs ?? 100, 'retryDelayMs');
    this.onError =
      opts.onError ??
      ((err, f) =>
        console.error(`bus: handler failed on ${f.topic}/${f.group}#${f.partition}; redelivering`, err));
    this.clone = opts.cloneMessages ?? false;
    this.name = opts.name ?? 'inmem';
    this.replyTopic = `_reply.${this.name}`;
  }

  async publish<T>(topic: string, messages: readonly OutMessage<T>[]): Promise<void> {
    if (this.closed) throw new BusClosedError('publish');
    requireName(topic, 'topic');
    if (!Array.isArray(messages)) throw new TypeError(`publish to ${topic}: messages must be an array`);
    for (const m of messages) {
      if (m === null || typeof m !== 'object' || typeof m.key !== 'string') {
        throw new TypeError(`publish to ${topic}: every message needs a string key`);
      }
    }
    this.enqueue(topic, messages);
  }

  async subscribe<T>(topic: string, group: string, handler: BatchHandler<T>): Promise<Subscription> {
    if (this.closed) throw new BusClosedError('subscribe');
    requireName(topic, 'topic');
    requireName(group, 'group');
    if (typeof handler !== 'function')
      throw new TypeError(`subscribe to ${topic}: handler must be a function`);
    return this.join(topic, group, handler as BatchHandler);
  }

  request<Req, Res>(topic: string, key: string, value: Req, timeoutMs: number): Promise<Res> {
    if (this.closed) return Promise.reject(new BusClosedError('request'));
    try {
      requireName(topic, 'topic');
      if (typeof key !== 'string') throw new TypeError(`request on ${topic}: key must be a string`);
      nonNegative(timeoutMs, 'timeoutMs');
    } catch (err) {
      return Promise.reject(err);
    }
    this.ensureReplyConsumer();
    const correlationId = `${this.name}:${++this.seq}`;
    return new Promise<Res>((resolve, reject) => {
      const timer = this.timers.setTimer(timeoutMs, () => {
        this.pending.delete(correlationId);
        reject(new BusTimeoutError(topic, timeoutMs));
      });
      this.pending.set(correlationId, { resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        this.enqueue(topic, [{ key, value, replyTo: this.replyTopic, correlationId }]);
      } catch (err) {
        this.pending.delete(correlationId);
        this.timers.clearTimer(timer);
        reject(err);
      }
    });
  }

  async reply<Res>(to: Envelope, value: Res): Promise<void> {
    if (this.closed) throw new BusClosedError('reply');
    if (!to || typeof to.replyTo !== 'string' || typeof to.correlationId !== 'string') {
      throw new TypeError(
        `reply: the envelope from ${to?.topic ?? '?'} is not a request (no replyTo/correlationId)`,
      );
    }
    this.enqueue(to.replyTo, [{ key: to.correlationId, value, correlationId: to.correlationId }], to);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.topics.values()) {
      for (const g of t.groups.values()) {
        for (const m of g.members) m.active = false;
        g.members = [];
        for (const gp of g.parts) this.cancelFlush(gp);
      }
    }
    const outstanding = [...this.pending.values()];
    this.pending.clear();
    for (const p of outstanding) {
      this.timers.clearTimer(p.timer);
      p.reject(new BusClosedError('request'));
    }
  }

  /** Messages queued or in flight for a group (all partitions); for tests and metrics. */
  lag(topic: string, group: string): number {
    const g = this.topics.get(topic)?.groups.get(group);
    if (!g) return 0;
    let n = 0;
    for (const gp of g.parts) n += gp.queue.length - gp.head;
    return n;
  }

  /** Which partition a key lands in (FNV-1a; stable across runs). */
  partitionOf(key: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return (h >>> 0) % this.partitions;
  }

  private enqueue(topic: string, messages: readonly Outgoing[], inReplyTo?: Envelope): void {
    const t = this.topics.get(topic);
    // Nobody has ever subscribed: with 'latest' offset reset no group will ever read these.
    if (!t || t.groups.size === 0 || messages.length === 0) return;
    const now = this.timers.now();
    const latency = this.latencyMs ? checkedLatency(this.latencyMs(topic), 'latencyMs', topic) : 0;
    for (const m of messages) {
      const p = this.partitionOf(m.key);
      const link = this.linkLatencyMs
        ? checkedLatency(this.linkLatencyMs(topic, m.value, inReplyTo), 'linkLatencyMs', topic)
        : 0;
      const readyAt = Math.max(now + latency + link, t.lastReadyAt[p]!);
      t.lastReadyAt[p] = readyAt;
      const env: Envelope = envelope(topic, m, this.clone);
      const q: Queued = { env, readyAt };
      for (const g of t.groups.values()) {
        const gp = g.parts[p]!;
        gp.queue.push(q);
        if (!gp.inFlight && gp.timer === null && g.members.length > 0) this.scheduleFlush(g, p, readyAt);
      }
    }
  }

  private join(topic: string, groupName: string, handler: BatchHandler): Subscription {
    let t = this.topics.get(topic);
    if (!t) {
      t = { groups: new Map(), lastReadyAt: new Array<number>(this.partitions).fill(-Infinity) };
      this.topics.set(topic, t);
    }
    let g = t.groups.get(groupName);
    if (!g) {
      g = { name: groupName, topic, members: [], parts: [] };
      for (let p = 0; p < this.partitions; p++) {
        g.parts.push({ queue: [], head: 0, timer: null, dueAt: 0, inFlight: false, failures: 0 });
      }
      t.groups.set(groupName, g);
    }
    const member: Member = { handler, active: true };
    g.members.push(member);
    const group = g;
    // A group that had no members may hold messages nobody was scheduled to deliver.
    for (let p = 0; p < this.partitions; p++) this.kick(group, p);
    return {
      close: async () => {
        if (!member.active) return;
        member.active = false;
        group.members = group.members.filter((m) => m !== member);
      },
    };
  }

  /** Schedules the partition's next flush if it has queued messages and nothing in flight. */
  private kick(g: Group, p: number): void {
    const gp = g.parts[p]!;
    if (this.closed || gp.inFlight || gp.timer !== null || gp.head >= gp.queue.length) return;
    if (g.members.length === 0) return;
    this.scheduleFlush(g, p, gp.queue[gp.head]!.readyAt);
  }

  private scheduleFlush(g: Group, p: number, at: number): void {
    const gp = g.parts[p]!;
    gp.dueAt = at;
    gp.timer = this.timers.setTimer(Math.max(0, at - this.timers.now()), () => {
      gp.timer = null;
      this.flush(g, p);
    });
  }

  private cancelFlush(gp: GroupPartition): void {
    if (gp.timer !== null) {
      this.timers.clearTimer(gp.timer);
      gp.timer = null;
    }
  }

  private flush(g: Group, p: number): void {
    const gp = g.parts[p]!;
    if (this.closed || gp.inFlight || g.members.length === 0) return;
    // A wall-clock timer may fire a hair early: what it was set for counts as ready.
    const cutoff = Math.max(this.timers.now(), gp.dueAt);
    const end = Math.min(gp.queue.length, gp.head + this.maxBatch);
    let i = gp.head;
    while (i < end && gp.queue[i]!.readyAt <= cutoff) i++;
    const n = i - gp.head;
    if (n === 0) {
      if (gp.head < gp.queue.length) this.scheduleFlush(g, p, gp.queue[gp.head]!.readyAt);
      return;
    }
    const batch = new Array<Envelope>(n);
    for (let k = 0; k < n; k++) {
      const env = gp.queue[gp.head + k]!.env;
      batch[k] = this.clone ? { ...env, value: structuredClone(env.value) } : env;
    }
    const member = g.members[p % g.members.length]!;
    gp.inFlight = true;
    let done: Promise<void> | void;
    try {
      done = member.handler(batch);
    } catch (err) {
      return this.failed(g, p, n, err);
    }
    if (done === undefined) return this.acknowledge(g, p, n);
    Promise.resolve(done).then(
      () => this.acknowledge(g, p, n),
      (err: unknown) => this.failed(g, p, n, err),
    );
  }

  private acknowledge(g: Group, p: number, n: number): void {
    const gp = g.parts[p]!;
    gp.inFlight = false;
    gp.failures = 0;
    gp.head += n;
    if (gp.head === gp.queue.length) {
      gp.queue = [];
      gp.head = 0;
    } else if (gp.head >= COMPACT_AFTER && gp.head * 2 >= gp.queue.length) {
      gp.queue = gp.queue.slice(gp.head);
      gp.head = 0;
    }
    this.kick(g, p);
  }

  private failed(g: Group, p: number, n: number, err: unknown): void {
    const gp = g.parts[p]!;
    gp.inFlight = false;
    if (this.closed) return;
    if (gp.failures++ === 0) {
      try {
        this.onError(err, { topic: g.topic, group: g.name, partition: p, size: n });
      } catch {
        // A broken logger must not stop redelivery.
      }
    }
    // The batch stays at the head; whoever owns the partition then gets it again.
    if (g.members.length > 0) this.scheduleFlush(g, p, this.timers.now() + this.retryDelayMs);
  }

  private ensureReplyConsumer(): void {
    if (this.replyConsumer) return;
    this.replyConsumer = true;
    this.join(this.replyTopic, REPLY_GROUP, (batch) => {
      for (const env of batch) {
        const p = this.pending.get(env.correlationId ?? '');
        if (!p) continue; // timed out already, or a second reply: the first one won
        this.pending.delete(env.correlationId!);
        this.timers.clearTimer(p.timer);
        p.resolve(env.value);
      }
    });
  }
}

function envelope(topic: string, m: Outgoing, clone: boolean): Envelope {
  const value = clone ? structuredClone(m.value) : m.value;
  if (m.correlationId === undefined) return { topic, key: m.key, value };
  if (m.replyTo === undefined) return { topic, key: m.key, value, correlationId: m.correlationId };
  return { topic, key: m.key, value, replyTo: m.replyTo, correlationId: m.correlationId };
}

/** A modelled latency, checked without building the error's text unless it is needed (per message). */
function checkedLatency(ms: number, what: string, topic: string): number {
  return typeof ms === 'number' && ms >= 0 && ms < Infinity ? ms : nonNegative(ms, `${what}(${topic})`);
}

function requireName(s: unknown, what: string): void {
  if (typeof s !== 'string' || s.length === 0) throw new TypeError(`${what} must be a non-empty string`);
}

import { nonNegative, positiveInt } from './options';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Kafka,
  Partitioners,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type Message,
  type Producer,
  type TopicMessages,
} from 'kafkajs';
import {
  BusClosedError,
  BusTimeoutError,
  type BatchHandler,
  type Bus,
  type Envelope,
  type OutMessage,
  type Subscription,
} from './bus';
import type { BatchFailure } from './in-memory-bus';
import { decodeMessage, encodeMessage } from './kafka-codec';
import { KAFKA_LOG_LEVELS, kafkaLogCreator, type KafkaLogLevel, type KafkaLogLine } from './kafka-log';
import { SerialBatcher } from './serial-batcher';

export interface KafkaBusOptions {
  /** Bootstrap brokers, e.g. ['127.0.0.1:9092']. */
  brokers: readonly string[];
  /** kafkajs client id (shows in broker logs and quotas). Default 'upi-loadlab'. */
  clientId?: string;
  /**
   * Names this bus's reply topic (`_reply.<instanceId>`, its consumer group, and correlation ids).
   * Default `<clientId>-<host>-<pid>-<random>`. A stable id (e.g. 'psp-1') reuses one reply topic
   * across restarts instead of leaving one behind per process.
   */
  instanceId?: string;
  /** Partitions of topics this bus creates (reply topics always get 1). Default 8. */
  partitions?: number;
  /** Replication factor of topics this bus creates; -1 = the broker's default. Default -1. */
  replicationFactor?: number;
  /** Extra wait before a produce request goes out; 0 = end of the current tick. Default 0. */
  lingerMs?: number;
  /** Longest a fetch waits on the broker for data (latency at low rates). Default 5. */
  maxWaitTimeMs?: number;
  /** Partitions whose batches a member handles at once (one batch per partition). Default `partitions`. */
  partitionsConsumedConcurrently?: number;
  /** How often members heartbeat, which bounds how fast they notice a rebalance. Default 300. */
  heartbeatIntervalMs?: number;
  /** A member silent this long is dropped from its group (broker minimum 6000). Default 10 000. */
  sessionTimeoutMs?: number;
  /** `subscribe` rejects if the member has no assignment by then. Default 30 000. */
  joinTimeoutMs?: number;
  /**
   * How long a member gathers finished batches before committing their offsets in one OffsetCommit
   * (0 = end of the current tick). A longer wait means fewer broker requests at high rates and, after a
   * crash, up to that much more redelivered (handlers are idempotent: at-least-once). Default 0.
   */
  commitLingerMs?: number;
  /** Wait before a failed batch is handed to the handler again. Default 100. */
  retryDelayMs?: number;
  /** Fetch size cap per partition (bytes). Default 1 MiB (kafkajs default). */
  maxBytesPerPartition?: number;
  /** Produce retries before `publish` rejects (kafkajs would retry forever). Default 10. */
  publishRetries?: number;
  /** Told once per failing batch (not again while the same batch keeps failing). Default console.error. */
  onError?: (err: unknown, failure: BatchFailure) => void;
  /**
   * Told after each consumed batch how far the partition is behind its high watermark (kafkajs
   * computes it from the fetch response: no extra broker request). For the consumer-lag gauge.
   */
  onConsumerLag?: (topic: string, partition: number, lag: number) => void;
  /** kafkajs and bus log threshold. Default 'warn' (expected rebalance chatter is shown at 'info'). */
  logLevel?: KafkaLogLevel;
  /** Where log lines go. Default console.warn / console.error, one line each. */
  log?: (line: KafkaLogLine) => void;
  /** TCP connect timeout (ms). Default 3000. */
  connectionTimeoutMs?: number;
  /** Broker request timeout (ms). Default 30 000. */
  requestTimeoutMs?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
  timer: ReturnType<typeof setTimeout>;
}

interface Sub {
  readonly topic: string;
  /** The Bus-level group name (what handlers and onError see). */
  readonly group: string;
  /** The Kafka consumer group id: `<group>@<topic>`, see kafkaGroupId. */
  readonly groupId: string;
  readonly handler: BatchHandler;
  readonly startAtLatest: boolean;
  /** The current kafkajs consumer: replaced when kafkajs gives one up (see `onCrash`). */
  consumer: Consumer;
  /** Set by close(): no handler call starts after this. */
  closed: boolean;
  /** Starting (or recreating) the current consumer: resolves after its first join (or crash). */
  running: Promise<void>;
  stopping: Promise<void> | null;
  /** Bumped on every GROUP_JOIN. */
  generation: number;
  /** Partitions known to have a committed offset for this group. */
  readonly positioned: Set<number>;
  /**
   * Where `positionAtEnd` started a partition, until a batch at or past it arrives: kafkajs can still
   * fetch from below it (see onBatch), and what lies below was published before the group existed.
   */
  readonly startAt: Map<number, bigint>;
  readonly commits: SerialBatcher<{ partition: number; offset: string }>;
  commitFn: EachBatchPayload['commitOffsetsIfNecessary'] | null;
  /** Resolves the `subscribe` waiting for the first join. */
  joined: () => void;
  /** Rejects a `subscribe` still waiting for its join (the subscription or bus was closed). */
  abortJoin: (err: unknown) => void;
  /** `subscribe` resolved: from then on a consumer kafkajs gives up on is replaced. */
  started: boolean;
  /** Recreations since the last join: the backoff's exponent. */
  recreates: number;
  /** Ends the wait before a recreation early (close). */
  wake: (() => void) | null;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
/** Backoff before recreating a consumer kafkajs gave up on: doubling from the first to the cap. */
const RECREATE_FIRST_MS = 500;
const RECREATE_MAX_MS = 5000;

/**
 * The Bus on Apache Kafka (kafkajs 2.2.4), with the semantics of bus.ts; passes the same contract
 * as InMemoryBus (test/kafka-bus.int.spec.ts). See docs/topics.md for the layout on the broker.
 *
 * - Producer: idempotent, acks=-1. Publishes made in the same tick, and everything published while
 *   a produce request is in flight, go out together in one `sendBatch` (group commit; at most one
 *   request in flight keeps per-key order across publish calls).
 * - Consumers: one kafkajs consumer per `subscribe`, `eachBatch`, offsets committed manually after
 *   the handler's promise resolves (at-least-once). Partitions of one member run concurrently;
 *   batches of one partition never overlap, so per-key order holds.
 * - 'latest' for new groups without losing messages on rebalance: when a member is assigned a
 *   partition that has no committed offset, the bus pauses it, commits the partition's end offset
 *   for the group, then resumes. So every partition a group ever owned has a position, and a
 *   partition that changes hands resumes where it was (kafkajs alone would reset it to 'latest' at
 *   the new owner's first fetch, losing what was published in between).
 * - `subscribe` resolves once the member has joined, has its assignment, and those positions exist.
 * - After a broker outage: a consumer kafkajs will not restart is replaced (`onCrash`), and so is
 *   the producer when the restarted broker lost its sequence state (`produce`).
 * - Request/reply: each bus owns `_reply.<instanceId>` (1 partition, created at start); requests
 *   carry `correlation-id` and `reply-to` headers; replies go to that topic keyed by correlation id.
 */
export class KafkaBus implements Bus {
  readonly instanceId: string;
  readonly replyTopic: string;
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  /** Replaced when the broker lost its sequence state (see `produce`). */
  private producer: Producer;
  private readonly newProducer: () => Producer;
  private readonly batcher: SerialBatcher<TopicMessages>;
  private readonly partitions: number;
  private readonly replicationFactor: number;
  private readonly maxWaitTimeMs: number;
  private readonly concurrency: number;
  private readonly heartbeatIntervalMs: number;
  private readonly sessionTimeoutMs: number;
  private readonly joinTimeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly commitLingerMs: number;
  private readonly maxBytesPerPartition: number;
  private readonly onError: (err: unknown, failure: BatchFailure) => void;
  private readonly onConsumerLag: KafkaBusOptions['onConsumerLag'];
  private readonly log: (level: 'error' | 'warn' | 'info', message: string) => void;
  private readonly topics = new Map<string, Promise<void>>();
  private readonly replyTopicsSeen = new Set<string>();
  /** The listing of reply topics in flight, if any (see `replyTopicExists`). */
  private replyTopicListing: Promise<void> | null = null;
  private readonly subs = new Set<Sub>();
  private readonly pending = new Map<string, Pending>();
  /** Admin calls in flight: close() waits for them, or kafkajs would reconnect the admin after it. */
  private readonly adminOps = new Set<Promise<unknown>>();
  private started: Promise<void> | null = null;
  private replyConsumer: Promise<Sub> | null = null;
  private seq = 0;
  private closed = false;
  private closing: Promise<void> | null = null;

  constructor(opts: KafkaBusOptions) {
    if (!Array.isArray(opts.brokers) || opts.brokers.length === 0) {
      throw new TypeError('KafkaBus: brokers must be a non-empty array of host:port');
    }
    const clientId = opts.clientId ?? 'upi-loadlab';
    this.onConsumerLag = opts.onConsumerLag;
    this.instanceId = sanitize(
      opts.instanceId ?? `${clientId}-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    );
    this.replyTopic = `_reply.${this.instanceId}`;
    this.partitions = positiveInt(opts.partitions ?? 8, 'partitions');
    this.replicationFactor = opts.replicationFactor ?? -1;
    if (this.replicationFactor !== -1) positiveInt(this.replicationFactor, 'replicationFactor');
    this.maxWaitTimeMs = nonNegative(opts.maxWaitTimeMs ?? 5, 'maxWaitTimeMs');
    this.concurrency = positiveInt(
      opts.partitionsConsumedConcurrently ?? this.partitions,
      'partitionsConsumedConcurrently',
    );
    this.heartbeatIntervalMs = positiveInt(opts.heartbeatIntervalMs ?? 300, 'heartbeatIntervalMs');
    this.sessionTimeoutMs = positiveInt(opts.sessionTimeoutMs ?? 10_000, 'sessionTimeoutMs');
    this.joinTimeoutMs = positiveInt(opts.joinTimeoutMs ?? 30_000, 'joinTimeoutMs');
    this.retryDelayMs = nonNegative(opts.retryDelayMs ?? 100, 'retryDelayMs');
    this.commitLingerMs = nonNegative(opts.commitLingerMs ?? 0, 'commitLingerMs');
    this.maxBytesPerPartition = positiveInt(opts.maxBytesPerPartition ?? 1_048_576, 'maxBytesPerPartition');
    const lingerMs = nonNegative(opts.lingerMs ?? 0, 'lingerMs');
    const publishRetries = positiveInt(opts.publishRetries ?? 10, 'publishRetries');
    this.onError =
      opts.onError ??
      ((err, f) =>
        console.error(`bus: handler failed on ${f.topic}/${f.group}#${f.partition}; redelivering`, err));
    const level = opts.logLevel ?? 'warn';
    const logCreator = kafkaLogCreator(level, opts.log);
    const busLog = logCreator(0)!;
    this.log = (lvl, message) =>
      busLog({
        namespace: 'KafkaBus',
        level: lvl === 'error' ? 1 : lvl === 'warn' ? 2 : 4,
        label: lvl.toUpperCase(),
        log: { message, timestamp: new Date().toISOString() },
      });

    this.kafka = new Kafka({
      clientId,
      brokers: [...opts.brokers],
      // kafkajs drops lines below this itself (cheap); logCreator demotes expected noise further.
      logLevel: KAFKA_LOG_LEVELS[level],
      logCreator,
      connectionTimeout: positiveInt(opts.connectionTimeoutMs ?? 3000, 'connectionTimeoutMs'),
      requestTimeout: positiveInt(opts.requestTimeoutMs ?? 30_000, 'requestTimeoutMs'),
      retry: { initialRetryTime: 100, retries: 8 },
    });
    this.admin = this.kafka.admin();
    this.newProducer = () =>
      this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner, // murmur2, as the Java client
        retry: { retries: publishRetries, initialRetryTime: 100, maxRetryTime: 2000 },
      });
    this.producer = this.newProducer();
    this.batcher = new SerialBatcher((items) => this.produce(items), lingerMs);
  }

  /** Connects, and creates this bus's reply topic. Every call awaits it; call it to fail fast. */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new BusClosedError('start'));
    if (!this.started) {
      this.started = (async () => {
        await this.admin.connect();
        await this.producer.connect();
        await this.ensureTopic(this.replyTopic, 1);
      })();
      this.started.catch(() => {
        this.started = null; // let a later call try again
      });
    }
    return this.started;
  }

  async publish<T>(topic: string, messages: readonly OutMessage<T>[]): Promise<void> {
    if (this.closed) throw new BusClosedError('publish');
    requireTopic(topic);
    if (!Array.isArray(messages)) throw new TypeError(`publish to ${topic}: messages must be an array`);
    for (const m of messages) {
      if (m === null || typeof m !== 'object' || typeof m.key !== 'string') {
        throw new TypeError(`publish to ${topic}: every message needs a string key`);
      }
    }
    if (messages.length === 0) return;
    const encoded = messages.map((m) => encodeMessage(topic, m));
    await this.send(topic, encoded, true, 'publish');
  }

  async subscribe<T>(topic: string, group: string, handler: BatchHandler<T>): Promise<Subscription> {
    if (this.closed) throw new BusClosedError('subscribe');
    requireTopic(topic);
    if (typeof group !== 'string' || group.length === 0)
      throw new TypeError('group must be a non-empty string');
    if (typeof handler !== 'function')
      throw new TypeError(`subscribe to ${topic}: handler must be a function`);
    await this.start();
    await this.ensureTopic(topic, this.partitions);
    const sub = await this.startConsumer(
      topic,
      group,
      kafkaGroupId(group, topic),
      handler as BatchHandler,
      true,
    );
    return { close: () => this.stopConsumer(sub) };
  }

  request<Req, Res>(topic: string, key: string, value: Req, timeoutMs: number): Promise<Res> {
    if (this.closed) return Promise.reject(new BusClosedError('request'));
    let msg: Message;
    const correlationId = `${this.instanceId}:${++this.seq}`;
    try {
      requireTopic(topic);
      if (typeof key !== 'string') throw new TypeError(`request on ${topic}: key must be a string`);
      nonNegative(timeoutMs, 'timeoutMs');
      msg = encodeMessage(topic, { key, value, replyTo: this.replyTopic, correlationId });
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending.delete(correlationId)) reject(new BusTimeoutError(topic, timeoutMs));
      }, timeoutMs);
      this.pending.set(correlationId, { resolve: resolve as (v: unknown) => void, reject, timer });
      const fail = (err: unknown) => {
        const p = this.pending.get(correlationId);
        if (!p) return;
        this.pending.delete(correlationId);
        clearTimeout(p.timer);
        p.reject(err);
      };
      // The reply consumer reads its topic from the beginning, so the request need not wait for it.
      this.ensureReplyConsumer().catch(fail);
      this.send(topic, [msg], true, 'request').catch(fail);
    });
  }

  async reply<Res>(to: Envelope, value: Res): Promise<void> {
    if (this.closed) throw new BusClosedError('reply');
    if (!to || typeof to.replyTo !== 'string' || typeof to.correlationId !== 'string') {
      throw new TypeError(
        `reply: the envelope from ${to?.topic ?? '?'} is not a request (no replyTo/correlationId)`,
      );
    }
    requireTopic(to.replyTo);
    const msg = encodeMessage(to.replyTo, { key: to.correlationId, value, correlationId: to.correlationId });
    await this.start();
    if (!(await this.replyTopicExists(to.replyTo))) {
      // The requester is gone (its topic was deleted): nobody waits for this answer.
      this.log('warn', `reply to ${to.replyTo} dropped: topic does not exist`);
      return;
    }
    await this.send(to.replyTo, [msg], false, 'reply');
  }

  async close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = (async () => {
      const outstanding = [...this.pending.values()];
      this.pending.clear();
      for (const p of outstanding) {
        clearTimeout(p.timer);
        p.reject(new BusClosedError('request'));
      }
      if (this.replyConsumer) await this.replyConsumer.catch(() => undefined);
      await Promise.all([...this.subs].map((s) => this.stopConsumer(s)));
      await this.batcher.drain();
      while (this.adminOps.size > 0) await Promise.allSettled([...this.adminOps]);
      if (this.started) {
        await this.started.catch(() => undefined);
        await this.producer.disconnect().catch(() => undefined);
        await this.admin.disconnect().catch(() => undefined);
      }
    })();
    return this.closing;
  }

  private async send(topic: string, messages: Message[], ensure: boolean, op: string): Promise<void> {
    await this.start();
    if (ensure) await this.ensureTopic(topic, this.partitions);
    if (this.closed) throw new BusClosedError(op);
    await this.batcher.add({ topic, messages });
  }

  /** One produce request for everything queued; per-topic message order is kept. */
  private async produce(items: TopicMessages[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const it of items) {
      const list = byTopic.get(it.topic);
      if (list) for (const m of it.messages) list.push(m);
      else byTopic.set(it.topic, [...it.messages]);
    }
    const batch = {
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    };
    try {
      await this.producer.sendBatch(batch);
    } catch (err) {
      if (!lostProducerState(err)) throw err;
      // A broker that restarted after kill -9 may have lost this producer id's last sequence
      // numbers: it then refuses every later batch of the id (OUT_OF_ORDER_SEQUENCE_NUMBER), and
      // kafkajs keeps the id forever. A new producer gets a new id. Resending may duplicate what
      // the broker did keep: at-least-once, as any redelivery.
      this.log('warn', `producer state lost on the broker (${(err as Error).message}): new producer`);
      const old = this.producer;
      const next = this.newProducer();
      await next.connect().catch(async (e: unknown) => {
        await next.disconnect().catch(() => undefined);
        throw e; // this publish fails; the next one meets the old producer's error and tries again
      });
      this.producer = next;
      await old.disconnect().catch(() => undefined);
      await this.producer.sendBatch(batch);
    }
  }

  /** Creates the topic once (an existing topic is fine); topics are never auto-created. */
  private ensureTopic(topic: string, numPartitions: number): Promise<void> {
    let p = this.topics.get(topic);
    if (!p) {
      p = this.adminOp(() =>
        this.admin.createTopics({
          topics: [{ topic, numPartitions, replicationFactor: this.replicationFactor }],
          waitForLeaders: true,
        }),
      ).then(() => undefined);
      p.catch(() => this.topics.delete(topic));
      this.topics.set(topic, p);
    }
    return p;
  }

  private adminOp<T>(op: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new BusClosedError('admin'));
    const p = op();
    this.adminOps.add(p);
    const done = () => this.adminOps.delete(p);
    p.then(done, done);
    return p;
  }

  private async replyTopicExists(topic: string): Promise<boolean> {
    if (this.replyTopicsSeen.has(topic) || this.topics.has(topic)) return true;
    // One listing at a time, shared by every reply waiting for it: a new switch leader answers
    // thousands of ReqPays at once, and a listing each queued thousands of metadata requests on the
    // admin connection, ahead of the createTopics its first bank publish waits for (seconds).
    for (let again = false; ; again = true) {
      // A listing already in flight may predate the topic: if it lacks it, look once more.
      const joined = this.replyTopicListing !== null;
      if (!this.replyTopicListing) {
        this.replyTopicListing = this.adminOp(() => this.admin.listTopics()).then((all) => {
          for (const t of all) if (t.startsWith('_reply.')) this.replyTopicsSeen.add(t);
        });
        const clear = () => (this.replyTopicListing = null);
        this.replyTopicListing.then(clear, clear);
      }
      await this.replyTopicListing;
      if (this.replyTopicsSeen.has(topic)) return true;
      if (!joined || again) return false;
    }
  }

  /**
   * Creates (or finds) the topics now, so a later first publish to them does not wait for the admin
   * round trip: a standby switch replica calls it at start for the topics it publishes to as leader.
   */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    await this.start();
    for (const t of topics) requireTopic(t);
    await Promise.all(topics.map((t) => this.ensureTopic(t, this.partitions)));
  }

  private ensureReplyConsumer(): Promise<Sub> {
    if (!this.replyConsumer) {
      this.replyConsumer = this.start().then(() =>
        this.startConsumer(
          this.replyTopic,
          '_reply',
          this.replyTopic,
          (batch) => this.onReplies(batch),
          false,
        ),
      );
      this.replyConsumer.catch(() => {
        this.replyConsumer = null;
      });
    }
    return this.replyConsumer;
  }

  private async onReplies(batch: readonly Envelope[]): Promise<void> {
    for (const env of batch) {
      const p = this.pending.get(env.correlationId ?? '');
      if (!p) continue; // timed out already, a second reply, or one for an earlier process
      this.pending.delete(env.correlationId!);
      clearTimeout(p.timer);
      p.resolve(env.value);
    }
  }

  /**
   * Starts a consumer and resolves once it has joined with an assignment. `startAtLatest` gives
   * every newly owned partition without a committed offset the end offset as its position first.
   */
  private async startConsumer(
    topic: string,
    group: string,
    groupId: string,
    handler: BatchHandler,
    startAtLatest: boolean,
  ): Promise<Sub> {
    if (this.closed) throw new BusClosedError('subscribe');
    const sub: Sub = {
      topic,
      group,
      groupId,
      handler,
      startAtLatest,
      consumer: null as unknown as Consumer, // set just below: its callbacks need `sub`
      closed: false,
      running: Promise.resolve(),
      stopping: null,
      generation: 0,
      positioned: new Set(),
      startAt: new Map(),
      commits: new SerialBatcher((items) => this.commit(sub, items), this.commitLingerMs),
      commitFn: null,
      joined: () => undefined,
      abortJoin: () => undefined,
      started: false,
      recreates: 0,
      wake: null,
    };
    const ready = new Promise<void>((resolve, reject) => {
      sub.joined = resolve;
      sub.abortJoin = reject;
    });
    sub.consumer = this.newConsumer(sub);
    this.subs.add(sub);

    try {
      // One promise for the whole start-up, so a close() meanwhile waits for it before disconnecting
      // (kafkajs would otherwise connect or join after the disconnect and leak the consumer).
      sub.running = this.runConsumer(sub, sub.consumer);
      sub.running.catch(sub.abortJoin); // e.g. the broker refused the connection
      await withTimeout(
        ready,
        this.joinTimeoutMs,
        () =>
          new Error(`subscribe ${topic}/${group}: no partition assignment within ${this.joinTimeoutMs} ms`),
      );
      if (this.closed) throw new BusClosedError('subscribe');
      sub.started = true;
      return sub;
    } catch (err) {
      await this.stopConsumer(sub);
      throw err;
    }
  }

  /** A kafkajs consumer for the subscription, its join and crash handlers attached. */
  private newConsumer(sub: Sub): Consumer {
    const consumer = this.kafka.consumer({
      groupId: sub.groupId,
      sessionTimeout: this.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatIntervalMs,
      maxWaitTimeInMs: this.maxWaitTimeMs,
      minBytes: 1,
      maxBytesPerPartition: this.maxBytesPerPartition,
      allowAutoTopicCreation: false,
      retry: {
        initialRetryTime: 100,
        retries: 8,
        // After a crash kafkajs restarts the consumer, unless we are shutting it down.
        restartOnFailure: async () => !sub.closed && !this.closed,
      },
    });
    const { topic } = sub;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      sub.recreates = 0;
      const generation = ++sub.generation;
      const assigned = e.payload.memberAssignment[topic] ?? [];
      const unknown = sub.startAtLatest ? assigned.filter((p) => !sub.positioned.has(p)) : [];
      if (unknown.length === 0) {
        sub.joined();
        return;
      }
      // Paused synchronously, before the runner's first fetch of this generation.
      consumer.pause([{ topic, partitions: unknown }]);
      void this.positionAtEnd(sub, unknown, generation).then((done) => {
        if (done) sub.joined();
      }, sub.abortJoin);
    });
    consumer.on(consumer.events.CRASH, (e) => this.onCrash(sub, consumer, e.payload));
    return consumer;
  }

  /** Connects, subscribes and runs the consumer: resolves after its first join (or crash). */
  private async runConsumer(sub: Sub, consumer: Consumer): Promise<void> {
    await consumer.connect();
    if (sub.closed) return;
    await consumer.subscribe({ topics: [sub.topic], fromBeginning: true });
    if (sub.closed) return;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.concurrency,
      eachBatch: (payload) => this.onBatch(sub, sub.handler, payload),
    });
  }

  /**
   * kafkajs restarts a crashed consumer only when the error is retriable. Some are not although a
   * broker outage causes them (KafkaJSGroupCoordinatorNotFound when the coordinator lookup meets a
   * dead connection, as in a broker kill -9): that consumer is gone for good, and its subscription
   * would silently read nothing again. So the bus makes a new one (same group: it resumes from the
   * committed offsets, at-least-once as before), after a backoff, until one joins or it is closed.
   */
  private onCrash(sub: Sub, consumer: Consumer, e: { error: Error; restart: boolean }): void {
    sub.abortJoin(e.error); // a subscribe still waiting for its first join fails (its caller retries)
    if (sub.closed || this.closed || consumer !== sub.consumer) return;
    const what = `consumer ${sub.topic}/${sub.group} crashed: ${e.error.message}`;
    if (e.restart || !sub.started) {
      this.log('error', what);
      return;
    }
    sub.generation++; // its positioning, if any, stops: the new consumer's join redoes it
    const delayMs = this.recreateDelay(sub);
    this.log('error', `${what}; kafkajs will not restart it: a new consumer in ${delayMs} ms`);
    sub.running = this.recreate(sub, delayMs);
  }

  private recreateDelay(sub: Sub): number {
    return Math.min(RECREATE_MAX_MS, RECREATE_FIRST_MS * 2 ** Math.min(sub.recreates++, 16));
  }

  private async recreate(sub: Sub, delayMs: number): Promise<void> {
    for (;;) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delayMs);
        sub.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      sub.wake = null;
      if (sub.closed || this.closed) return;
      const consumer = this.newConsumer(sub);
      sub.consumer = consumer;
      try {
        // Resolves once it joined, or crashed again (then onCrash decides what follows).
        await this.runConsumer(sub, consumer);
        return;
      } catch (err) {
        // E.g. the broker still refuses connections: try again later.
        if (sub.closed || this.closed) return;
        await consumer.disconnect().catch(() => undefined);
        delayMs = this.recreateDelay(sub);
        this.log(
          'warn',
          `new consumer for ${sub.topic}/${sub.group} failed to start: ${(err as Error).message}; next try in ${delayMs} ms`,
        );
      }
    }
  }

  /** Commits the end offset for partitions of the group that have none, then resumes them. */
  private async positionAtEnd(sub: Sub, partitions: number[], generation: number): Promise<boolean> {
    for (;;) {
      try {
        const [committed] = await this.adminOp(() =>
          this.admin.fetchOffsets({ groupId: sub.groupId, topics: [sub.topic] }),
        );
        const missing = partitions.filter(
          (p) => (committed?.partitions.find((c) => c.partition === p)?.offset ?? '-1') === '-1',
        );
        if (missing.length > 0) {
          const ends = await this.adminOp(() => this.admin.fetchTopicOffsets(sub.topic));
          const at = missing.map((p) => ({
            topic: sub.topic,
            partition: p,
            offset: ends.find((o) => o.partition === p)!.high,
          }));
          await sub.consumer.commitOffsets(at);
          for (const a of at) sub.startAt.set(a.partition, BigInt(a.offset));
        }
        for (const p of partitions) sub.positioned.add(p);
        sub.consumer.resume([{ topic: sub.topic, partitions }]);
        return true;
      } catch (err) {
        // A newer join handles whatever is still assigned; a closing consumer needs nothing.
        if (sub.closed || this.closed || sub.generation !== generation) return false;
        this.log('warn', `positioning ${sub.topic}/${sub.group} failed, retrying: ${(err as Error).message}`);
        await sleep(this.retryDelayMs);
      }
    }
  }

  private async onBatch(sub: Sub, handler: BatchHandler, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    this.onConsumerLag?.(batch.topic, batch.partition, Number(batch.offsetLag()));
    // kafkajs resolves a partition without a committed offset to the earliest one on its own, and
    // when that lookup is in flight as positionAtEnd commits the end, its answer overwrites the
    // commit in kafkajs' memory: the group then reads messages from before it existed. They are
    // passed over, and a batch wholly below the start is not committed (the commit stays at the end).
    const floor = sub.startAt.get(batch.partition);
    if (floor !== undefined) {
      if (BigInt(batch.lastOffset()) < floor) {
        payload.resolveOffset(batch.lastOffset());
        return;
      }
      sub.startAt.delete(batch.partition);
    }
    const envs: Envelope[] = [];
    for (const m of batch.messages) {
      if (floor !== undefined && BigInt(m.offset) < floor) continue;
      try {
        envs.push(decodeMessage(batch.topic, m));
      } catch (err) {
        // Not ours (not JSON): retrying cannot fix it, and it must not block the partition.
        this.log(
          'error',
          `skipping undecodable message ${batch.topic}#${batch.partition}@${m.offset}: ${(err as Error).message}`,
        );
      }
    }
    let failures = 0;
    while (envs.length > 0) {
      if (this.closed || sub.closed || !payload.isRunning() || payload.isStale()) return; // uncommitted: redelivered
      try {
        await handler(envs);
        break;
      } catch (err) {
        if (failures++ === 0) {
          try {
            this.onError(err, {
              topic: sub.topic,
              group: sub.group,
              partition: batch.partition,
              size: envs.length,
            });
          } catch {
            // A broken logger must not stop redelivery.
          }
        }
      }
      await sleep(this.retryDelayMs);
      // Throws when the group is rebalancing: kafkajs rejoins, and the partition's next owner
      // gets this batch again from the last committed offset.
      await payload.heartbeat();
    }
    payload.resolveOffset(batch.lastOffset());
    sub.commitFn = payload.commitOffsetsIfNecessary;
    // Not awaited: the partition's next fetch need not wait for the OffsetCommit round trip (still
    // at-least-once: the handler is done; close() drains pending commits before disconnecting).
    sub.commits
      .add({ partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() })
      .catch((err: Error) =>
        this.log('warn', `commit ${sub.topic}/${sub.group}#${batch.partition} failed: ${err.message}`),
      );
  }

  /** One OffsetCommit for all partitions whose batches finished meanwhile. */
  private async commit(sub: Sub, items: Array<{ partition: number; offset: string }>): Promise<void> {
    const latest = new Map<number, string>();
    for (const it of items) latest.set(it.partition, it.offset); // per partition, later batches come later
    await sub.commitFn!({
      topics: [
        { topic: sub.topic, partitions: [...latest].map(([partition, offset]) => ({ partition, offset })) },
      ],
    });
  }

  private stopConsumer(sub: Sub): Promise<void> {
    if (!sub.stopping) {
      sub.closed = true;
      sub.abortJoin(new BusClosedError('subscribe'));
      sub.stopping = (async () => {
        // Stopping mid-join leaves kafkajs half started; a pending recreation ends at once (wake),
        // one under way finishes starting its consumer, which is then the one disconnected below.
        for (let r = sub.running; ; r = sub.running) {
          sub.wake?.();
          await r.catch(() => undefined);
          if (r === sub.running) break;
        }
        await sub.commits.drain();
        await sub.consumer
          .disconnect()
          .catch((err: Error) => this.log('warn', `disconnect ${sub.topic}/${sub.group}: ${err.message}`));
        this.subs.delete(sub);
      })();
    }
    return sub.stopping;
  }
}

/**
 * A Bus group is scoped to its topic (as in InMemoryBus): 'switch' on upi.reqpay and 'switch' on
 * upi.bank.resp are two groups. On Kafka they must be two group ids too: kafkajs' assigners hand
 * the leader's topics to every member, so members of one group id subscribed to different topics
 * would be assigned partitions they never read, and every join would stop all of them.
 */
export function kafkaGroupId(group: string, topic: string): string {
  return `${group}@${topic}`;
}

function sanitize(id: string): string {
  const s = id.replace(/[^a-zA-Z0-9._-]/g, '-');
  if (s.length === 0 || s.length > 200)
    throw new RangeError(`instanceId must be 1–200 characters, got '${id}'`);
  return s;
}

function requireTopic(topic: unknown): void {
  if (typeof topic !== 'string' || !TOPIC_NAME.test(topic)) {
    throw new TypeError(`topic must be 1–249 characters of [a-zA-Z0-9._-], got ${JSON.stringify(topic)}`);
  }
}

/** The broker no longer knows this idempotent producer's sequence (kafkajs wraps it in its retry errors). */
function lostProducerState(err: unknown): boolean {
  for (let e = err as { type?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.type === 'OUT_OF_ORDER_SEQUENCE_NUMBER' || e.type === 'UNKNOWN_PRODUCER_ID') return true;
  }
  return false;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(p: Promise<T>, ms: number, error: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(error()), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

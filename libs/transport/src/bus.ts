/**
 * The message bus between services: Kafka in live mode, in memory for embedded and simulated runs.
 * Both implementations pass libs/transport/test/bus.contract.ts.
 *
 * Semantics (Kafka's, so the in-memory bus cannot hide a bug Kafka would show):
 * - A topic is partitioned by key; messages with the same key are delivered in publish order.
 * - Each consumer group receives every message once; within a group, each key goes to one member.
 * - Handlers get batches; a batch is acknowledged when the handler's promise resolves. Delivery is
 *   at-least-once, so handlers must be idempotent.
 * - Request/reply: `request` publishes with a correlation id and a reply address and resolves with
 *   the first `reply` to that envelope, or rejects with BusTimeoutError after timeoutMs.
 * - Offset reset is 'latest': a group that subscribes for the first time receives messages published
 *   after its subscription resolved, never older ones. A known group whose members all left keeps
 *   its place and resumes there when a member rejoins.
 * - After `close()`, nothing is delivered any more, outstanding requests reject with BusClosedError,
 *   and later publish/subscribe/request/reply calls reject with BusClosedError.
 */
export interface Envelope<T = unknown> {
  readonly topic: string;
  readonly key: string;
  readonly value: T;
  /** Set on requests: where `reply` sends the answer. */
  readonly replyTo?: string;
  readonly correlationId?: string;
}

export interface OutMessage<T = unknown> {
  readonly key: string;
  readonly value: T;
}

/**
 * Handles one batch. A handler that returns a promise has finished when it settles (a rejection
 * redelivers the batch); one that returns nothing has finished when it returns (a throw
 * redelivers). Synchronous handlers save the simulator a promise and a microtask per batch.
 */
export type BatchHandler<T = unknown> = (batch: readonly Envelope<T>[]) => Promise<void> | void;

export interface Subscription {
  close(): Promise<void>;
}

export interface Bus {
  publish<T>(topic: string, messages: readonly OutMessage<T>[]): Promise<void>;
  subscribe<T>(topic: string, group: string, handler: BatchHandler<T>): Promise<Subscription>;
  request<Req, Res>(topic: string, key: string, value: Req, timeoutMs: number): Promise<Res>;
  reply<Res>(to: Envelope, value: Res): Promise<void>;
  close(): Promise<void>;
}

export class BusTimeoutError extends Error {
  constructor(
    readonly topic: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply on ${topic} within ${timeoutMs} ms`);
    this.name = 'BusTimeoutError';
  }
}

/** The bus was closed: outstanding requests end with this, and so does any later call. */
export class BusClosedError extends Error {
  constructor(readonly operation: string) {
    super(`bus closed (${operation})`);
    this.name = 'BusClosedError';
  }
}

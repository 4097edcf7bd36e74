import {
  type BatchHandler,
  type Bus,
  type Envelope,
  type OutMessage,
  type Subscription,
} from '../../../transport/src/bus';

/** The broker's name of a run's topic: `<runId>.<topic>` (e.g. `r1a2b3.upi.reqpay`). */
export function runTopic(runId: string, topic: string): string {
  return `${runId}.${topic}`;
}

/** Whether a broker topic belongs to the run: its own topics and its processes' reply topics. */
export function isRunTopic(runId: string, topic: string): boolean {
  return topic.startsWith(`${runId}.`) || topic.startsWith(`_reply.${runId}-`);
}

/**
 * A Bus whose topics carry the run id (`runTopic`), so a run on a shared broker reads only its own
 * messages. Consumer groups alone were not enough: a new group is positioned at the end of a topic
 * it shares with an earlier run only through a commit that kafkajs can overwrite with the earliest
 * offset when it is resolving offsets at that moment, and then the new run's banks replayed the old
 * run's debits into the new ledger; and any process of another run still alive on the broker (a
 * stack whose start failed) read the run's requests in its own groups and answered them.
 * Handlers see the topic names of topics.ts, as every other Bus delivers them.
 */
export class RunScopedBus implements Bus {
  constructor(
    private readonly inner: Bus,
    readonly runId: string,
  ) {}

  /** The broker's name of `topic` for this run. */
  topic(topic: string): string {
    return runTopic(this.runId, topic);
  }

  publish<T>(topic: string, messages: readonly OutMessage<T>[]): Promise<void> {
    return this.inner.publish(this.topic(topic), messages);
  }

  subscribe<T>(topic: string, group: string, handler: BatchHandler<T>): Promise<Subscription> {
    return this.inner.subscribe<T>(this.topic(topic), group, (batch) =>
      handler(batch.map((e): Envelope<T> => ({ ...e, topic }))),
    );
  }

  request<Req, Res>(topic: string, key: string, value: Req, timeoutMs: number): Promise<Res> {
    return this.inner.request(this.topic(topic), key, value, timeoutMs);
  }

  reply<Res>(to: Envelope, value: Res): Promise<void> {
    return this.inner.reply(to, value);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

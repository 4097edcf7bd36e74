import {
  type BatchHandler,
  type Bus,
  type Envelope,
  type OutMessage,
  type Subscription,
} from '../../../transport/src/bus';

/**
 * A Bus whose consumer groups carry the run id (`<runId>.<group>`), so two runs on one broker never
 * share offsets, and a restarted process of the same run resumes where its group left off.
 * Topics are not renamed: the topic layout stays the one docs/topics.md describes.
 */
export class RunScopedBus implements Bus {
  constructor(
    private readonly inner: Bus,
    readonly runId: string,
  ) {}

  publish<T>(topic: string, messages: readonly OutMessage<T>[]): Promise<void> {
    return this.inner.publish(topic, messages);
  }

  subscribe<T>(topic: string, group: string, handler: BatchHandler<T>): Promise<Subscription> {
    return this.inner.subscribe(topic, `${this.runId}.${group}`, handler);
  }

  request<Req, Res>(topic: string, key: string, value: Req, timeoutMs: number): Promise<Res> {
    return this.inner.request(topic, key, value, timeoutMs);
  }

  reply<Res>(to: Envelope, value: Res): Promise<void> {
    return this.inner.reply(to, value);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

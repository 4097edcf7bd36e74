import {
  BusClosedError,
  type BatchHandler,
  type Bus,
  type Envelope,
  type OutMessage,
  type Subscription,
} from '../../../transport/src/bus';
import { TOPICS } from '../../../transport/src/topics';

/**
 * A Bus whose consumer groups carry the run id (`<runId>.<group>`), so two runs on one broker never
 * share offsets, and a restarted process of the same run resumes where its group left off.
 * Topics are not renamed: the topic layout stays the one docs/topics.md describes.
 */
export class RunScopedBus implements Bus {
  private closed = false;

  constructor(
    private readonly inner: Bus,
    readonly runId: string,
    /** Backoff between attempts of a settlement publish (ms): first, and cap. */
    private readonly retryMs: { readonly first: number; readonly max: number } = { first: 250, max: 5000 },
  ) {}

  /**
   * Settlement entries have no retry of their own (bank requests are re-sent by the coordinator's
   * timers, settlement entries are sent once), so a settlement publish that fails — the broker is
   * down — is retried until it goes through or the bus closes. Losing one would leave clearing's
   * totals off the ledger for good; clearing counts each (txnId, kind) once, so a duplicate is harmless.
   */
  publish<T>(topic: string, messages: readonly OutMessage<T>[]): Promise<void> {
    if (topic !== TOPICS.settlement) return this.inner.publish(topic, messages);
    return this.publishUntilSent(topic, messages);
  }

  subscribe<T>(topic: string, group: string, handler: BatchHandler<T>): Promise<Subscription> {
    return this.inner.subscribe(topic, `${this.runId}.${group}`, handler);
  }

  request<Req, Res>(topic: string, key: string, value: Req, timeoutMs: number): Promise<Res> {
    return this.inner.request(topic, key, value, timeoutMs);
  }

  /**
   * The cores send replies fire-and-forget (`void bus.reply(…)`: the requester has its own timeout
   * and retries). With the broker down the send rejects, and an unhandled rejection would kill the
   * whole process, so the failure is logged here; a caller that awaits still sees it.
   */
  reply<Res>(to: Envelope, value: Res): Promise<void> {
    const sent = this.inner.reply(to, value);
    sent.catch((err: unknown) => console.error(`reply to ${to.replyTo ?? '?'} failed: ${message(err)}`));
    return sent;
  }

  close(): Promise<void> {
    this.closed = true;
    return this.inner.close();
  }

  private async publishUntilSent<T>(topic: string, messages: readonly OutMessage<T>[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.inner.publish(topic, messages);
        if (attempt > 0) console.error(`publish to ${topic} went through after ${attempt + 1} attempts`);
        return;
      } catch (err) {
        if (this.closed || err instanceof BusClosedError || err instanceof TypeError) throw err;
        if (attempt === 0) console.error(`publish to ${topic} failed, retrying until sent: ${message(err)}`);
        const wait = Math.min(this.retryMs.max, this.retryMs.first * 2 ** Math.min(attempt, 16));
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

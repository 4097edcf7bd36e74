import type { SettlementEntry } from '../../../domain/src';
import type { BatchHandler, Bus, Envelope, OutMessage, Subscription } from '../../../transport/src/bus';
import { TOPICS } from '../../../transport/src/topics';

/** The few Redis calls the journal needs; an ioredis `Redis` satisfies it. */
export interface JournalRedis {
  hset(key: string, ...fieldsAndValues: string[]): Promise<number>;
  hvals(key: string): Promise<string[]>;
}

/**
 * Makes the clearing process's state survive a restart without counting a transaction twice.
 *
 * Every settlement batch is written to a Redis hash (field `<txnId>:<kind>`, value the entry) BEFORE
 * the clearing core sees it, and the Kafka offset is committed only after both. On start, the whole
 * hash is replayed into the core first. The core is idempotent by (txnId, kind), and so is the hash
 * (HSET of the same field with the same entry), so a batch redelivered after a crash, or replayed and
 * then redelivered, counts once. Settlement totals are therefore exact across restarts; cycle
 * history before a restart is folded into the first cycle after it (cycles are not persisted).
 */
export class JournaledSettlementBus implements Bus {
  replayed = 0;

  constructor(
    private readonly inner: Bus,
    private readonly redis: JournalRedis,
    private readonly key: string,
  ) {}

  publish<T>(topic: string, messages: readonly OutMessage<T>[]): Promise<void> {
    return this.inner.publish(topic, messages);
  }

  async subscribe<T>(topic: string, group: string, handler: BatchHandler<T>): Promise<Subscription> {
    if (topic !== TOPICS.settlement) return this.inner.subscribe(topic, group, handler);
    const saved = await this.redis.hvals(this.key);
    if (saved.length) {
      const envs = saved.map((v): Envelope<T> => {
        const value = JSON.parse(v) as SettlementEntry;
        return { topic, key: value.txnId, value: value as T };
      });
      await handler(envs);
      this.replayed = envs.length;
    }
    return this.inner.subscribe<T>(topic, group, async (batch) => {
      const fields: string[] = [];
      for (const env of batch) {
        const e = env.value as Partial<SettlementEntry> | null;
        // Malformed entries are left to the core (it counts them); only well-formed ones are kept.
        if (e && typeof e.txnId === 'string' && (e.kind === 'PAY' || e.kind === 'RET'))
          fields.push(`${e.txnId}:${e.kind}`, JSON.stringify(e));
      }
      if (fields.length) await this.redis.hset(this.key, ...fields);
      await handler(batch);
    });
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

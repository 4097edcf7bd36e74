/**
 * KafkaBus replacing a kafkajs client that cannot go on, on fake kafkajs clients: a consumer kafkajs
 * gave up on (CRASH with restart=false: the order of connect / run / disconnect calls, close() during
 * the backoff, which crashes are left to kafkajs; against a real broker: kafka-bus.int.spec.ts), and
 * a producer whose id the broker forgot (OUT_OF_ORDER_SEQUENCE_NUMBER after a broker kill -9).
 */
import { EventEmitter } from 'node:events';
import { KafkaBus } from '../src/kafka-bus';
import type { KafkaLogLine } from '../src/kafka-log';

const TOPIC = 'orders';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class FakeConsumer {
  readonly events = { GROUP_JOIN: 'join', CRASH: 'crash' };
  readonly calls: string[] = [];
  private readonly emitter = new EventEmitter();
  constructor(private readonly failConnect: boolean) {}
  on(event: string, listener: (e: unknown) => void): void {
    this.emitter.on(event, listener);
  }
  async connect(): Promise<void> {
    this.calls.push('connect');
    if (this.failConnect) throw new Error('Connection error: connect ECONNREFUSED');
  }
  async subscribe(): Promise<void> {
    this.calls.push('subscribe');
  }
  async run(): Promise<void> {
    this.calls.push('run');
    this.emitter.emit('join', { payload: { memberAssignment: { [TOPIC]: [0] } } });
  }
  async disconnect(): Promise<void> {
    this.calls.push('disconnect');
  }
  pause(): void {}
  resume(): void {}
  async commitOffsets(): Promise<void> {}
  crash(restart: boolean, message = 'Failed to find group coordinator'): void {
    this.emitter.emit('crash', { payload: { error: new Error(message), restart } });
  }
}

/** A KafkaBus whose kafkajs clients are fakes; `failConnects` new consumers refuse to connect. */
function fakeBus(failConnects = 0) {
  const lines: KafkaLogLine[] = [];
  const bus = new KafkaBus({ brokers: ['fake:9092'], instanceId: 'unit', log: (l) => lines.push(l) });
  const consumers: FakeConsumer[] = [];
  let refusals = failConnects;
  Object.assign(bus as unknown as Record<string, unknown>, {
    kafka: {
      consumer: () => {
        const first = consumers.length === 0;
        const c = new FakeConsumer(!first && refusals-- > 0);
        consumers.push(c);
        return c;
      },
    },
    admin: {
      connect: async () => undefined,
      disconnect: async () => undefined,
      createTopics: async () => true,
      // Partition 0 has a committed offset: no positioning needed.
      fetchOffsets: async () => [{ topic: TOPIC, partitions: [{ partition: 0, offset: '5' }] }],
    },
    producer: { connect: async () => undefined, disconnect: async () => undefined },
  });
  const noRestart = () => lines.filter((l) => /kafkajs will not restart it/.test(l.message));
  return { bus, consumers, lines, noRestart };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !cond() && Date.now() < end;) await sleep(5);
}

describe('KafkaBus: a consumer kafkajs will not restart', () => {
  it('is replaced by a new one for the same subscription, after a backoff, logged once', async () => {
    const { bus, consumers, noRestart } = fakeBus();
    await bus.subscribe(TOPIC, 'g', async () => undefined);
    consumers[0]!.crash(false);
    expect(noRestart().map((l) => l.message)).toEqual([
      'consumer orders/g crashed: Failed to find group coordinator; kafkajs will not restart it: a new consumer in 500 ms',
    ]);
    expect(consumers).toHaveLength(1); // not before the backoff
    await until(() => consumers.length === 2 && consumers[1]!.calls.includes('run'));
    expect(consumers[1]!.calls).toEqual(['connect', 'subscribe', 'run']);
    await bus.close();
    expect(consumers[1]!.calls).toEqual(['connect', 'subscribe', 'run', 'disconnect']);
    expect(noRestart()).toHaveLength(1);
  });

  it('leaves a crash kafkajs restarts itself to kafkajs', async () => {
    const { bus, consumers, lines } = fakeBus();
    await bus.subscribe(TOPIC, 'g', async () => undefined);
    consumers[0]!.crash(true, 'No broker available');
    await sleep(700);
    expect(consumers).toHaveLength(1);
    expect(lines.map((l) => l.message)).toEqual(['consumer orders/g crashed: No broker available']);
    await bus.close();
  });

  it('close() during the backoff makes no new consumer and does not wait out the backoff', async () => {
    const { bus, consumers, noRestart } = fakeBus();
    await bus.subscribe(TOPIC, 'g', async () => undefined);
    consumers[0]!.crash(false);
    expect(noRestart()).toHaveLength(1);
    const t0 = Date.now();
    await bus.close();
    expect(Date.now() - t0).toBeLessThan(400); // the backoff is 500 ms
    await sleep(700);
    expect(consumers).toHaveLength(1);
    expect(consumers[0]!.calls).toContain('disconnect');
  });

  it('keeps trying, with a growing backoff, while the new consumer cannot connect', async () => {
    const { bus, consumers, lines } = fakeBus(1);
    await bus.subscribe(TOPIC, 'g', async () => undefined);
    consumers[0]!.crash(false);
    await until(() => consumers.length === 3 && consumers[2]!.calls.includes('run'));
    expect(consumers[1]!.calls).toEqual(['connect', 'disconnect']); // the refused one is not leaked
    expect(consumers[2]!.calls).toEqual(['connect', 'subscribe', 'run']);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'new consumer for orders/g failed to start: Connection error: connect ECONNREFUSED; next try in 1000 ms',
    ]);
    await bus.close();
  });

  it('a crash before the subscription first joined fails subscribe instead', async () => {
    const { bus, consumers, noRestart } = fakeBus();
    const fake = (bus as unknown as { kafka: { consumer: () => FakeConsumer } }).kafka;
    const make = fake.consumer;
    fake.consumer = () => {
      const c = make();
      c.run = async () => c.crash(false); // crashes instead of joining
      return c;
    };
    await expect(bus.subscribe(TOPIC, 'g', async () => undefined)).rejects.toThrow(/group coordinator/);
    await sleep(700);
    expect(consumers).toHaveLength(1);
    expect(noRestart()).toHaveLength(0);
    await bus.close();
  });
});

class FakeProducer {
  readonly calls: string[] = [];
  constructor(private readonly refuse: number) {}
  async connect(): Promise<void> {
    this.calls.push('connect');
  }
  async disconnect(): Promise<void> {
    this.calls.push('disconnect');
  }
  async sendBatch(): Promise<void> {
    this.calls.push('send');
    if (this.calls.filter((c) => c === 'send').length <= this.refuse) {
      // As kafkajs rejects it: its retrier wraps the broker's protocol error.
      const cause = Object.assign(new Error('The broker received an out of order sequence number'), {
        type: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
      });
      throw Object.assign(new Error(cause.message), { name: 'KafkaJSNonRetriableError', cause });
    }
  }
}

describe('KafkaBus: a producer whose sequence the broker lost', () => {
  function busWith(producers: FakeProducer[]) {
    const lines: KafkaLogLine[] = [];
    const bus = new KafkaBus({ brokers: ['fake:9092'], instanceId: 'unit', log: (l) => lines.push(l) });
    let made = 0;
    Object.assign(bus as unknown as Record<string, unknown>, {
      admin: {
        connect: async () => undefined,
        disconnect: async () => undefined,
        createTopics: async () => true,
      },
      producer: producers[made++],
      newProducer: () => producers[made++],
    });
    return { bus, lines };
  }

  it('is replaced by a new producer (a new producer id) and the batch is sent again', async () => {
    const producers = [new FakeProducer(Number.POSITIVE_INFINITY), new FakeProducer(0)];
    const { bus, lines } = busWith(producers);
    await expect(bus.publish(TOPIC, [{ key: 'k', value: 1 }])).resolves.toBeUndefined();
    await expect(bus.publish(TOPIC, [{ key: 'k', value: 2 }])).resolves.toBeUndefined();
    expect(producers[0]!.calls).toEqual(['connect', 'send', 'disconnect']);
    expect(producers[1]!.calls).toEqual(['connect', 'send', 'send']);
    expect(lines.map((l) => l.message)).toEqual([
      'producer state lost on the broker (The broker received an out of order sequence number): new producer',
    ]);
    await bus.close();
  });

  it('other produce errors fail the publish as before', async () => {
    const producers = [new FakeProducer(0)];
    producers[0]!.sendBatch = async () => {
      throw new Error('Connection error: connect ECONNREFUSED');
    };
    const { bus } = busWith(producers);
    await expect(bus.publish(TOPIC, [{ key: 'k', value: 1 }])).rejects.toThrow(/ECONNREFUSED/);
    await bus.close();
  });
});

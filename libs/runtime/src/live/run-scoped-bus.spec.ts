import { WallTimers } from '../../../domain/src';
import { InMemoryBus, TOPICS, type Bus, type Envelope } from '../../../transport/src';
import { RunScopedBus } from './run-scoped-bus';

// The settlement retry waits on the wall clock: real timers, a few ms each.
const timers = new WallTimers();
afterAll(() => timers.clearAll());

/** An in-memory bus whose publishes and replies fail while `down` (a broker outage). */
class FlakyBus extends InMemoryBus {
  constructor() {
    super({ timers });
  }
  down = false;
  attempts = 0;
  override async publish<T>(topic: string, messages: readonly { key: string; value: T }[]): Promise<void> {
    this.attempts++;
    if (this.down) throw new Error('broker down');
    return super.publish(topic, messages);
  }
  override reply<Res>(to: Envelope, value: Res): Promise<void> {
    if (this.down) return Promise.reject(new Error('broker down'));
    return super.reply(to, value);
  }
}

const quietly = async <T>(f: () => Promise<T>): Promise<T> => {
  const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    return await f();
  } finally {
    spy.mockRestore();
  }
};

describe('RunScopedBus', () => {
  test('groups carry the run id', async () => {
    const inner = new InMemoryBus({ timers });
    const seen: string[] = [];
    const spy = jest.spyOn(inner, 'subscribe');
    const bus = new RunScopedBus(inner, 'r9');
    await bus.subscribe('upi.reqpay', 'switch', async (b) => void seen.push(...b.map((e) => e.key)));
    expect(spy.mock.calls[0]![1]).toBe('r9.switch');
    await bus.close();
  });

  test('a settlement publish during an outage is retried until it goes through', async () => {
    const inner = new FlakyBus();
    const bus = new RunScopedBus(inner, 'r1', { first: 5, max: 20 });
    const got: string[] = [];
    await bus.subscribe(TOPICS.settlement, 'clearing', async (b) => void got.push(...b.map((e) => e.key)));
    inner.down = true;
    await quietly(async () => {
      const sent = bus.publish(TOPICS.settlement, [{ key: 'T1', value: { n: 1 } }]);
      await new Promise((r) => setTimeout(r, 60));
      expect(inner.attempts).toBeGreaterThan(2);
      inner.down = false;
      await sent;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(['T1']);
    await bus.close();
  });

  test('other topics fail at once (their senders retry on their own timers)', async () => {
    const inner = new FlakyBus();
    inner.down = true;
    const bus = new RunScopedBus(inner, 'r1', { first: 5, max: 20 });
    await expect(bus.publish('upi.bank.req.SBI', [{ key: 'k', value: 1 }])).rejects.toThrow('broker down');
    expect(inner.attempts).toBe(1);
    await bus.close();
  });

  test('a closed bus stops the settlement retries', async () => {
    const inner = new FlakyBus();
    inner.down = true;
    const bus: Bus = new RunScopedBus(inner, 'r1', { first: 5, max: 5 });
    await quietly(async () => {
      const sent = bus.publish(TOPICS.settlement, [{ key: 'T1', value: 1 }]);
      await new Promise((r) => setTimeout(r, 20));
      await bus.close();
      await expect(sent).rejects.toThrow();
    });
  });

  test('a failed fire-and-forget reply is logged, not an unhandled rejection', async () => {
    const inner = new FlakyBus();
    inner.down = true;
    const bus = new RunScopedBus(inner, 'r1');
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const to = {
        topic: 'upi.reqpay',
        key: 'k',
        value: {},
        replyTo: '_reply.x',
        correlationId: 'c',
      } as Envelope;
      void bus.reply(to, { ok: true });
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('reply to _reply.x failed'));
      // A caller that awaits still sees the failure.
      await expect(bus.reply(to, { ok: true })).rejects.toThrow('broker down');
    } finally {
      logged.mockRestore();
      process.off('unhandledRejection', onUnhandled);
      await bus.close();
    }
  });
});

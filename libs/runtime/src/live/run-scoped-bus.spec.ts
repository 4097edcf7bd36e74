import { WallTimers } from '../../../domain/src';
import { InMemoryBus } from '../../../transport/src';
import { isRunTopic, RunScopedBus, runTopic } from './run-scoped-bus';

const timers = new WallTimers();
afterAll(() => timers.clearAll());

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('RunScopedBus', () => {
  test('topics carry the run id on the broker; handlers see the plain name', async () => {
    const inner = new InMemoryBus({ timers });
    const subscribe = jest.spyOn(inner, 'subscribe');
    const publish = jest.spyOn(inner, 'publish');
    const bus = new RunScopedBus(inner, 'r9');
    const seen: string[] = [];
    await bus.subscribe<number>(
      'upi.reqpay',
      'switch',
      async (b) => void seen.push(...b.map((e) => e.topic)),
    );
    await bus.publish('upi.reqpay', [{ key: 'k', value: 1 }]);
    await settle();
    expect(subscribe.mock.calls[0]!.slice(0, 2)).toEqual(['r9.upi.reqpay', 'switch']);
    expect(publish.mock.calls[0]![0]).toBe('r9.upi.reqpay');
    expect(seen).toEqual(['upi.reqpay']);
    await bus.close();
  });

  test('two runs on one broker never read each other’s messages, in any group', async () => {
    const inner = new InMemoryBus({ timers });
    const a = new RunScopedBus(inner, 'ra');
    const b = new RunScopedBus(inner, 'rb');
    const got: Record<string, number[]> = { a: [], b: [] };
    await a.subscribe<number>(
      'upi.bank.req.SBI',
      'bank',
      async (batch) => void got.a!.push(...batch.map((e) => e.value)),
    );
    await b.subscribe<number>(
      'upi.bank.req.SBI',
      'bank',
      async (batch) => void got.b!.push(...batch.map((e) => e.value)),
    );
    await a.publish('upi.bank.req.SBI', [{ key: 'k', value: 1 }]);
    await b.publish('upi.bank.req.SBI', [{ key: 'k', value: 2 }]);
    await settle();
    expect(got).toEqual({ a: [1], b: [2] });
    await inner.close();
  });

  test('requests go to the run’s topic and the answer comes back', async () => {
    const inner = new InMemoryBus({ timers });
    const server = new RunScopedBus(inner, 'r9');
    const client = new RunScopedBus(inner, 'r9');
    await server.subscribe<number>('upi.chktxn', 'switch', async (batch) => {
      for (const e of batch) await server.reply(e, e.value * 2);
    });
    await expect(client.request<number, number>('upi.chktxn', 'k', 21, 1000)).resolves.toBe(42);
    await inner.close();
  });

  test('a run’s broker topics: its own and its processes’ reply topics, not another run’s', () => {
    expect(runTopic('r9', 'upi.settlement')).toBe('r9.upi.settlement');
    expect(isRunTopic('r9', 'r9.upi.settlement')).toBe(true);
    expect(isRunTopic('r9', '_reply.r9-psp-1')).toBe(true);
    expect(isRunTopic('r9', 'r91.upi.settlement')).toBe(false);
    expect(isRunTopic('r9', '_reply.r91-psp-1')).toBe(false);
    expect(isRunTopic('r9', 'upi.settlement')).toBe(false);
  });
});

import { WallTimers } from '../../../domain/src';
import { InMemoryBus } from '../../../transport/src';
import { RunScopedBus } from './run-scoped-bus';

const timers = new WallTimers();
afterAll(() => timers.clearAll());

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
});

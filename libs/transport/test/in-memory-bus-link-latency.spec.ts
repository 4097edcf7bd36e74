import { VirtualTimers } from '../../sim/src/virtual-timers';
import type { Envelope } from '../src/bus';
import { InMemoryBus } from '../src/in-memory-bus';

/** The simulator's per-message network latency (`linkLatencyMs`). */
describe('InMemoryBus linkLatencyMs', () => {
  it('delays each message by its own link, and a reply by the link of its request', async () => {
    const timers = new VirtualTimers(0);
    const asked: [string, unknown, string | undefined][] = [];
    const bus = new InMemoryBus({
      timers,
      linkLatencyMs: (topic, value, inReplyTo) => {
        asked.push([topic, value, inReplyTo?.topic]);
        const far = (inReplyTo?.value ?? value) as { far?: boolean };
        return far?.far ? 40 : 5;
      },
    });
    const seen: [string, number][] = [];
    await bus.subscribe<{ far: boolean; id: string }>(
      'req',
      'server',
      async (batch: readonly Envelope<{ far: boolean; id: string }>[]) => {
        for (const env of batch) {
          seen.push([env.value.id, timers.now()]);
          await bus.reply(env, { ok: env.value.id });
        }
      },
    );
    const answered: [unknown, number][] = [];
    const ask = (id: string, far: boolean) =>
      bus.request('req', id, { id, far }, 1000).then((v) => answered.push([v, timers.now()]));
    const a = ask('near', false);
    const b = ask('far', true);
    await timers.runUntil(200);
    await Promise.all([a, b]);
    expect(seen).toEqual([
      ['near', 5],
      ['far', 40],
    ]);
    // Each reply crosses the same link back.
    expect(answered).toEqual([
      [{ ok: 'near' }, 10],
      [{ ok: 'far' }, 80],
    ]);
    expect(asked.filter(([, , r]) => r === 'req')).toHaveLength(2);
    await bus.close();
  });

  it('rejects a negative latency with the topic in the error', async () => {
    const bus = new InMemoryBus({ timers: new VirtualTimers(0), linkLatencyMs: () => -1 });
    await bus.subscribe('t', 'g', async () => undefined);
    await expect(bus.publish('t', [{ key: 'k', value: 1 }])).rejects.toThrow(/linkLatencyMs\(t\)/);
    await bus.close();
  });
});

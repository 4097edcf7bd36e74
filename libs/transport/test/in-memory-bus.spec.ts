import { Random, WallTimers } from '../../domain/src';
import { VirtualTimers } from '../../sim/src/virtual-timers';
import { BusClosedError, type Envelope } from '../src/bus';
import { InMemoryBus, type BatchFailure, type InMemoryBusOptions } from '../src/in-memory-bus';
import { busContract, type BusHarness } from './bus.contract';

const quiet = () => undefined;

function onVirtualTimers(opts: Partial<InMemoryBusOptions> = {}): () => Promise<BusHarness> {
  return async () => {
    const timers = new VirtualTimers();
    const bus = new InMemoryBus({ timers, onError: quiet, ...opts });
    return {
      bus,
      settle: async (ms = 10) => {
        await timers.runUntil(timers.now() + ms);
      },
      close: () => bus.close(),
    };
  };
}

busContract('InMemoryBus on VirtualTimers', onVirtualTimers({ latencyMs: () => 2 }));
busContract(
  'InMemoryBus on VirtualTimers, jittered latency, small batches, cloned messages',
  onVirtualTimers({
    latencyMs: (() => {
      const r = new Random(42);
      return () => r.int(20);
    })(),
    partitions: 3,
    maxBatch: 4,
    cloneMessages: true,
  }),
);
busContract(
  'InMemoryBus on WallTimers',
  async () => {
    const timers = new WallTimers();
    const bus = new InMemoryBus({ timers, onError: quiet, retryDelayMs: 20 });
    return {
      bus,
      settle: (ms = 10) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
      close: async () => {
        await bus.close();
        timers.clearAll();
      },
    };
  },
  { patienceMs: 5000 },
);

describe('InMemoryBus specifics', () => {
  let timers: VirtualTimers;
  const run = (ms: number) => timers.runUntil(timers.now() + ms);
  beforeEach(() => {
    timers = new VirtualTimers();
  });

  it('never delivers inside publish: only a timer firing delivers, after the topic latency', async () => {
    const bus = new InMemoryBus({ timers, latencyMs: (t) => (t === 'slow' ? 7 : 1) });
    const at: Array<[string, number]> = [];
    for (const topic of ['slow', 'fast']) {
      await bus.subscribe(topic, 'g', async (batch) => {
        for (const e of batch) at.push([e.topic, timers.now()]);
      });
    }
    await bus.publish('slow', [{ key: 'a', value: 1 }]);
    await bus.publish('fast', [{ key: 'a', value: 1 }]);
    await Promise.resolve();
    expect(at).toEqual([]); // nothing yet: publish only queued
    await run(0);
    expect(at).toEqual([]);
    await run(20);
    expect(at).toEqual([
      ['fast', 1],
      ['slow', 7],
    ]);
  });

  it('puts everything published to a partition before the flush into one batch, split at maxBatch', async () => {
    const bus = new InMemoryBus({ timers, maxBatch: 10 });
    const sizes: number[] = [];
    await bus.subscribe('t', 'g', async (batch) => {
      sizes.push(batch.length);
    });
    for (let i = 0; i < 5; i++) await bus.publish('t', [{ key: 'k', value: i }]);
    await run(1);
    expect(sizes).toEqual([5]);
    await bus.publish(
      't',
      Array.from({ length: 25 }, (_, i) => ({ key: 'k', value: i })),
    );
    await run(1);
    expect(sizes).toEqual([5, 10, 10, 5]);
  });

  it('uses one timer per partition flush, not one per message', async () => {
    const bus = new InMemoryBus({ timers, partitions: 8, maxBatch: 1000 });
    let got = 0;
    await bus.subscribe('t', 'g', async (batch) => {
      got += batch.length;
    });
    const before = timers.firedCount;
    for (let round = 0; round < 10; round++) {
      await bus.publish(
        't',
        Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, value: i })),
      );
      await run(1);
    }
    expect(got).toBe(10_000);
    expect(timers.firedCount - before).toBeLessThanOrEqual(10 * 8);
  });

  it('holds the next batch of a partition until the handler’s promise resolves', async () => {
    const bus = new InMemoryBus({ timers, partitions: 1 });
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    await bus.subscribe<number>('t', 'g', (batch) => {
      batches.push(batch.map((e) => e.value));
      return new Promise<void>((resolve) => (release = resolve));
    });
    await bus.publish('t', [{ key: 'a', value: 1 }]);
    await run(1);
    await bus.publish('t', [
      { key: 'a', value: 2 },
      { key: 'b', value: 3 },
    ]);
    await run(100);
    expect(batches).toEqual([[1]]);
    release();
    await run(1);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('a rebalanced partition goes to its new member only after the old member’s batch is acknowledged', async () => {
    const bus = new InMemoryBus({ timers, partitions: 2 });
    // With members [A, B], partition p belongs to members[p % 2]: partition 1 moves from A to B.
    const key1 = ['a', 'b', 'c', 'd', 'e', 'f'].find((k) => bus.partitionOf(k) === 1)!;
    const log: string[] = [];
    let release: () => void = () => undefined;
    await bus.subscribe<number>('t', 'g', (batch) => {
      log.push(`A:${batch.map((e) => e.value).join(',')}`);
      return new Promise<void>((resolve) => (release = resolve));
    });
    await bus.publish('t', [{ key: key1, value: 1 }]);
    await run(1);
    await bus.subscribe<number>('t', 'g', async (batch) => {
      log.push(`B:${batch.map((e) => e.value).join(',')}`);
    });
    await bus.publish('t', [{ key: key1, value: 2 }]);
    await run(50);
    expect(log).toEqual(['A:1']); // partition 1 is still busy with A's batch
    release();
    await run(1);
    expect(log).toEqual(['A:1', 'B:2']);
  });

  it('redelivers a failing batch after retryDelayMs and reports it to onError once', async () => {
    const failures: Array<[unknown, BatchFailure]> = [];
    const bus = new InMemoryBus({ timers, retryDelayMs: 30, onError: (e, f) => failures.push([e, f]) });
    const calls: number[] = [];
    let failUntil = 3;
    await bus.subscribe('t', 'g', async () => {
      calls.push(timers.now());
      if (calls.length <= failUntil) throw new Error(`boom ${calls.length}`);
    });
    await bus.publish('t', [{ key: 'k', value: 1 }]);
    await run(500);
    expect(calls).toEqual([0, 30, 60, 90]);
    expect(failures).toHaveLength(1);
    expect((failures[0]![0] as Error).message).toBe('boom 1');
    expect(failures[0]![1]).toEqual({ topic: 't', group: 'g', partition: bus.partitionOf('k'), size: 1 });
    // A later, separate failure is reported again.
    failUntil = 5;
    await bus.publish('t', [{ key: 'k', value: 2 }]);
    await run(500);
    expect(failures).toHaveLength(2);
  });

  it('redelivers a synchronously throwing handler too', async () => {
    const bus = new InMemoryBus({ timers, retryDelayMs: 5, onError: quiet });
    let n = 0;
    await bus.subscribe('t', 'g', () => {
      n++;
      if (n === 1) throw new Error('sync boom');
      return Promise.resolve();
    });
    await bus.publish('t', [{ key: 'k', value: 1 }]);
    await run(100);
    expect(n).toBe(2);
  });

  it('shares message objects by default and deep-copies them with cloneMessages', async () => {
    for (const cloneMessages of [false, true]) {
      const bus = new InMemoryBus({ timers, cloneMessages });
      const seen: Array<Envelope<{ list: number[] }>> = [];
      await bus.subscribe<{ list: number[] }>('t', 'g1', async (batch) => {
        seen.push(...batch);
        batch[0]!.value.list.push(99); // a consumer mutating what it received
      });
      await bus.subscribe<{ list: number[] }>('t', 'g2', async (batch) => {
        seen.push(...batch);
      });
      const value = { list: [1] };
      await bus.publish('t', [{ key: 'k', value }]);
      value.list.push(2); // the publisher mutating after publish
      await run(1);
      expect(seen).toHaveLength(2);
      if (cloneMessages) {
        expect(seen[0]!.value).not.toBe(value);
        expect(seen[1]!.value).toEqual({ list: [1] });
      } else {
        expect(seen[1]!.value).toBe(value);
        expect(value.list).toEqual([1, 2, 99]);
      }
      await bus.close();
    }
  });

  it('a group whose members all left keeps its place and resumes when one rejoins', async () => {
    const bus = new InMemoryBus({ timers });
    const first: number[] = [];
    const sub = await bus.subscribe<number>('t', 'g', async (batch) => {
      for (const e of batch) first.push(e.value);
    });
    await bus.publish('t', [{ key: 'k', value: 1 }]);
    await run(1);
    await sub.close();
    await bus.publish('t', [
      { key: 'k', value: 2 },
      { key: 'k', value: 3 },
    ]);
    await run(10);
    expect(first).toEqual([1]);
    expect(bus.lag('t', 'g')).toBe(2);
    const second: number[] = [];
    await bus.subscribe<number>('t', 'g', async (batch) => {
      for (const e of batch) second.push(e.value);
    });
    await run(1);
    expect(second).toEqual([2, 3]);
    expect(bus.lag('t', 'g')).toBe(0);
  });

  it('drops messages for a topic nobody ever subscribed to', async () => {
    const bus = new InMemoryBus({ timers });
    await bus.publish('t', [{ key: 'k', value: 1 }]);
    const got: number[] = [];
    await bus.subscribe<number>('t', 'g', async (batch) => {
      for (const e of batch) got.push(e.value);
    });
    await run(10);
    expect(got).toEqual([]);
    expect(timers.pending).toBe(0);
  });

  it('rejects bad input with clear errors', async () => {
    expect(() => new InMemoryBus({ timers, partitions: 0 })).toThrow(/partitions/);
    expect(() => new InMemoryBus({ timers, maxBatch: 1.5 })).toThrow(/maxBatch/);
    const bus = new InMemoryBus({ timers, latencyMs: () => -1 });
    await bus.subscribe('t', 'g', async () => undefined);
    await expect(bus.publish('t', [{ key: 'k', value: 1 }])).rejects.toThrow(/latencyMs/);
    await expect(bus.publish('t', [{ key: 7 as unknown as string, value: 1 }])).rejects.toThrow(/string key/);
    await expect(bus.publish('', [])).rejects.toThrow(/topic/);
    await expect(bus.request('t', 'k', 1, -5)).rejects.toThrow(/timeoutMs/);
    await expect(bus.reply({ topic: 't', key: 'k', value: 1 }, 2)).rejects.toThrow(/not a request/);
    await expect(bus.request('t', 'k', 1, 100)).rejects.toThrow(/latencyMs/);
    expect(timers.pending).toBe(0); // the failed request left no timer behind
  });

  it('close() clears every timer it set', async () => {
    const bus = new InMemoryBus({ timers, latencyMs: () => 5 });
    await bus.subscribe('t', 'g', async () => undefined);
    await bus.publish('t', [{ key: 'k', value: 1 }]);
    const req = bus.request('t', 'k', 1, 1000).catch((e: unknown) => e);
    expect(timers.pending).toBeGreaterThan(0);
    await bus.close();
    expect(timers.pending).toBe(0);
    expect(await req).toBeInstanceOf(BusClosedError);
  });
});

describe('InMemoryBus determinism on VirtualTimers', () => {
  /** A seeded mix of publishes, slow and failing handlers, and requests; returns the delivery trace. */
  async function trace(seed: number): Promise<string[]> {
    const timers = new VirtualTimers();
    const rnd = new Random(seed);
    const latency = rnd.fork('latency');
    const bus = new InMemoryBus({
      timers,
      latencyMs: () => latency.int(4),
      partitions: 4,
      maxBatch: 7,
      retryDelayMs: 3,
      onError: quiet,
    });
    const log: string[] = [];
    const sleep = (ms: number) => new Promise<void>((resolve) => timers.setTimer(ms, resolve));
    const lastSeen = new Map<string, number>();
    const orderViolations: string[] = [];
    const handler =
      (who: string, work: Random, failP: number) => async (batch: readonly Envelope<number>[]) => {
        log.push(`${timers.now()} ${who} ${batch.map((e) => `${e.key}:${e.value}`).join(' ')}`);
        await sleep(work.int(5));
        if (work.chance(failP)) throw new Error('flaky');
        for (const e of batch) {
          const id = `${who.split('#')[0]}/${e.key}`;
          if ((lastSeen.get(id) ?? -1) >= e.value) orderViolations.push(`${id}:${e.value}`);
          lastSeen.set(id, e.value);
        }
      };
    await bus.subscribe('a', 'g1', handler('g1#0', rnd.fork('w0'), 0.1));
    await bus.subscribe('a', 'g1', handler('g1#1', rnd.fork('w1'), 0.1));
    await bus.subscribe('a', 'g2', handler('g2#0', rnd.fork('w2'), 0));
    const server = rnd.fork('server');
    await bus.subscribe<number>('rpc', 'srv', async (batch) => {
      for (const e of batch) {
        if (server.chance(0.2)) continue; // unanswered: the requester times out
        const delay = server.int(6);
        timers.setTimer(delay, () => void bus.reply(e, e.value * 10));
      }
    });
    const seqPerKey = new Map<string, number>();
    const traffic = rnd.fork('traffic');
    let t = 0;
    for (let i = 0; i < 300; i++) {
      t += traffic.exponential(1.5);
      const size = 1 + traffic.int(5);
      const msgs = Array.from({ length: size }, () => {
        const key = `k${traffic.int(12)}`;
        const n = seqPerKey.get(key) ?? 0;
        seqPerKey.set(key, n + 1);
        return { key, value: n };
      });
      const asRequest = traffic.chance(0.15);
      const at = t;
      timers.setTimer(at, () => {
        if (asRequest) {
          bus.request<number, number>('rpc', msgs[0]!.key, i, 5).then(
            (v) => log.push(`${timers.now()} reply ${i} ${v}`),
            (e: Error) => log.push(`${timers.now()} ${e.name} ${i}`),
          );
        } else void bus.publish('a', msgs);
      });
    }
    await timers.runUntil(100_000);
    await bus.close();
    expect(orderViolations).toEqual([]);
    return log;
  }

  it('replays the identical delivery trace for the same seed', async () => {
    const first = await trace(7);
    const second = await trace(7);
    expect(first.length).toBeGreaterThan(300);
    expect(first.some((l) => l.includes('reply'))).toBe(true);
    expect(first.some((l) => l.includes('BusTimeoutError'))).toBe(true);
    expect(second).toEqual(first);
    expect(await trace(8)).not.toEqual(first);
  });
});

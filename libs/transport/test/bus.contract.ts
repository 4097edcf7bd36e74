import { BusClosedError, BusTimeoutError, type Bus, type Envelope } from '../src/bus';

/** What a Bus implementation hands the contract: the bus, a way to let time pass, and teardown. */
export interface BusHarness {
  bus: Bus;
  /** Lets `ms` of time pass (VirtualTimers: runUntil(now + ms); a real broker: a real wait). */
  settle: (ms?: number) => Promise<void>;
  close: () => Promise<void>;
}

export interface BusContractOptions {
  /**
   * Prefix for topic and group names. A real broker keeps topics and committed offsets between
   * runs, so its harness should pass something unique per run.
   */
  prefix?: string;
  /** Longest the contract waits for something to happen, in settle-milliseconds. Default 10 000. */
  patienceMs?: number;
}

interface Num {
  n: number;
}

/**
 * The behaviour every Bus must show (bus.ts). Uses only the Bus interface and `settle`, so the
 * in-memory bus (virtual or wall clock) and the Kafka bus run the very same checks.
 */
export function busContract(
  name: string,
  make: () => Promise<BusHarness>,
  opts: BusContractOptions = {},
): void {
  const prefix = opts.prefix ?? 'contract';
  const patience = opts.patienceMs ?? 10_000;
  let counter = 0;

  describe(`Bus contract: ${name}`, () => {
    let h: BusHarness;
    let bus: Bus;
    /** A fresh topic or group name per use, so tests never see each other's messages. */
    const fresh = (label: string) => `${prefix}.${label}.${++counter}`;

    beforeEach(async () => {
      h = await make();
      bus = h.bus;
    });
    afterEach(async () => {
      await h.close();
    });

    /** Lets time pass in small steps until `cond` holds or patience runs out; callers assert after. */
    async function eventually(cond: () => boolean, maxMs = patience, stepMs = 10): Promise<void> {
      for (let waited = 0; !cond() && waited < maxMs; waited += stepMs) await h.settle(stepMs);
    }

    /** Tracks a promise's outcome without letting a rejection go unhandled. */
    function track<T>(p: Promise<T>): { done: () => boolean; value?: T; error?: unknown } {
      const t: { done: () => boolean; value?: T; error?: unknown; settled: boolean } = {
        settled: false,
        done: () => t.settled,
      };
      p.then(
        (v) => {
          t.value = v;
          t.settled = true;
        },
        (e: unknown) => {
          t.error = e;
          t.settled = true;
        },
      );
      return t;
    }

    it('delivers published messages to a subscriber as envelopes', async () => {
      const topic = fresh('roundtrip');
      const got: Envelope<unknown>[] = [];
      await bus.subscribe(topic, fresh('g'), async (batch) => {
        got.push(...batch);
      });
      await bus.publish(topic, [
        { key: 'k1', value: { n: 1 } },
        { key: 'k2', value: { n: 2, nested: { s: 'x', list: [1, 2] } } },
      ]);
      await eventually(() => got.length >= 2);
      await h.settle(50);
      expect(got).toHaveLength(2);
      const byKey = [...got].sort((a, b) => a.key.localeCompare(b.key));
      expect(byKey.map((e) => ({ topic: e.topic, key: e.key, value: e.value }))).toEqual([
        { topic, key: 'k1', value: { n: 1 } },
        { topic, key: 'k2', value: { n: 2, nested: { s: 'x', list: [1, 2] } } },
      ]);
      for (const e of got) {
        expect(e.replyTo).toBeUndefined();
        expect(e.correlationId).toBeUndefined();
      }
    });

    it('hands handlers non-empty arrays of envelopes', async () => {
      const topic = fresh('batches');
      const sizes: number[] = [];
      const values: number[] = [];
      await bus.subscribe<Num>(topic, fresh('g'), async (batch) => {
        expect(Array.isArray(batch)).toBe(true);
        sizes.push(batch.length);
        for (const e of batch) values.push(e.value.n);
      });
      await bus.publish(
        topic,
        Array.from({ length: 30 }, (_, n) => ({ key: 'one-key', value: { n } })),
      );
      await eventually(() => values.length >= 30);
      expect(sizes.every((s) => s >= 1)).toBe(true);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(30);
      expect(values).toEqual(Array.from({ length: 30 }, (_, n) => n));
    });

    it('keeps publish order per key across many keys and publish calls', async () => {
      const topic = fresh('order');
      const keys = 40;
      const perKey = 25;
      const seen = new Map<string, number[]>();
      let total = 0;
      await bus.subscribe<Num>(topic, fresh('g'), async (batch) => {
        await Promise.resolve(); // handlers do async work in between
        for (const e of batch) {
          const list = seen.get(e.key) ?? [];
          list.push(e.value.n);
          seen.set(e.key, list);
          total++;
        }
      });
      // Interleave keys and cut the stream into uneven publish calls.
      const all = [];
      for (let n = 0; n < perKey; n++)
        for (let k = 0; k < keys; k++) all.push({ key: `key-${k}`, value: { n } });
      for (let i = 0; i < all.length; i += 37) await bus.publish(topic, all.slice(i, i + 37));
      await eventually(() => total >= keys * perKey);
      await h.settle(50);
      expect(total).toBe(keys * perKey);
      expect(seen.size).toBe(keys);
      const expected = Array.from({ length: perKey }, (_, n) => n);
      for (const [, list] of seen) expect(list).toEqual(expected);
    });

    it('gives every consumer group every message', async () => {
      const topic = fresh('groups');
      const a: string[] = [];
      const b: string[] = [];
      await bus.subscribe(topic, fresh('ga'), async (batch) => {
        for (const e of batch) a.push(e.key + '/' + (e.value as Num).n);
      });
      await bus.subscribe(topic, fresh('gb'), async (batch) => {
        for (const e of batch) b.push(e.key + '/' + (e.value as Num).n);
      });
      const msgs = Array.from({ length: 200 }, (_, n) => ({ key: `k${n % 20}`, value: { n } }));
      await bus.publish(topic, msgs);
      await eventually(() => a.length >= 200 && b.length >= 200);
      await h.settle(50);
      const expected = msgs.map((m) => `${m.key}/${m.value.n}`).sort();
      expect([...a].sort()).toEqual(expected);
      expect([...b].sort()).toEqual(expected);
    });

    it('splits the keys between the members of one group, without duplicates', async () => {
      const topic = fresh('split');
      const group = fresh('g');
      const byMember: Array<Array<Envelope<Num>>> = [[], []];
      for (const i of [0, 1]) {
        await bus.subscribe<Num>(topic, group, async (batch) => {
          byMember[i]!.push(...batch);
        });
      }
      const msgs = Array.from({ length: 400 }, (_, n) => ({ key: `acct-${n % 64}`, value: { n } }));
      await bus.publish(topic, msgs);
      await eventually(() => byMember[0]!.length + byMember[1]!.length >= 400);
      await h.settle(100);
      const all = [...byMember[0]!, ...byMember[1]!].map((e) => e.value.n).sort((x, y) => x - y);
      expect(all).toEqual(msgs.map((m) => m.value.n));
      expect(byMember[0]!.length).toBeGreaterThan(0);
      expect(byMember[1]!.length).toBeGreaterThan(0);
      const keysA = new Set(byMember[0]!.map((e) => e.key));
      const shared = byMember[1]!.filter((e) => keysA.has(e.key)).map((e) => e.key);
      expect(shared).toEqual([]);
    });

    it('hands a leaving member’s keys to the remaining ones', async () => {
      const topic = fresh('leave');
      const group = fresh('g');
      const a: number[] = [];
      const b: number[] = [];
      const subA = await bus.subscribe<Num>(topic, group, async (batch) => {
        for (const e of batch) a.push(e.value.n);
      });
      await bus.subscribe<Num>(topic, group, async (batch) => {
        for (const e of batch) b.push(e.value.n);
      });
      await subA.close();
      await bus.publish(
        topic,
        Array.from({ length: 100 }, (_, n) => ({ key: `k${n % 32}`, value: { n } })),
      );
      await eventually(() => b.length >= 100);
      await h.settle(50);
      expect(a).toEqual([]);
      expect([...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, n) => n));
    });

    it('starts a new group at the latest offset', async () => {
      const topic = fresh('latest');
      const early: number[] = [];
      await bus.subscribe<Num>(topic, fresh('early'), async (batch) => {
        for (const e of batch) early.push(e.value.n);
      });
      await bus.publish(topic, [{ key: 'k', value: { n: 1 } }]);
      await eventually(() => early.length >= 1);
      const late: number[] = [];
      await bus.subscribe<Num>(topic, fresh('late'), async (batch) => {
        for (const e of batch) late.push(e.value.n);
      });
      await bus.publish(topic, [{ key: 'k', value: { n: 2 } }]);
      await eventually(() => late.length >= 1 && early.length >= 2);
      await h.settle(50);
      expect(early).toEqual([1, 2]);
      expect(late).toEqual([2]);
    });

    it('answers many concurrent requests, each with its own reply', async () => {
      const topic = fresh('rpc');
      await bus.subscribe<Num>(topic, fresh('server'), async (batch) => {
        for (const e of batch) await bus.reply(e, { n: e.value.n * 2, key: e.key });
      });
      const count = 300;
      const calls = Array.from({ length: count }, (_, n) =>
        track(bus.request<Num, { n: number; key: string }>(topic, `k${n % 7}`, { n }, patience)),
      );
      await eventually(() => calls.every((c) => c.done()));
      calls.forEach((c, n) => {
        expect(c.error).toBeUndefined();
        expect(c.value).toEqual({ n: n * 2, key: `k${n % 7}` });
      });
    });

    it('routes each reply to its requester even when answered out of order, and the first reply wins', async () => {
      const topic = fresh('rpc-order');
      const held: Envelope<Num>[] = [];
      await bus.subscribe<Num>(topic, fresh('server'), async (batch) => {
        held.push(...batch);
      });
      const count = 50;
      const calls = Array.from({ length: count }, (_, n) =>
        track(bus.request<Num, Num>(topic, 'same-key', { n }, patience)),
      );
      await eventually(() => held.length >= count);
      expect(held).toHaveLength(count);
      for (const e of held) {
        expect(typeof e.replyTo).toBe('string');
        expect(typeof e.correlationId).toBe('string');
      }
      expect(new Set(held.map((e) => e.correlationId)).size).toBe(count);
      // Reply in reverse order; a second, wrong reply to each must be ignored.
      for (const e of [...held].reverse()) await bus.reply(e, { n: e.value.n + 1000 });
      for (const e of held) await bus.reply(e, { n: -1 });
      await eventually(() => calls.every((c) => c.done()));
      await h.settle(50);
      calls.forEach((c, n) => expect(c.value).toEqual({ n: n + 1000 }));
    });

    it('rejects an unanswered request with BusTimeoutError after timeoutMs, and ignores a late reply', async () => {
      const topic = fresh('rpc-timeout');
      const held: Envelope[] = [];
      await bus.subscribe(topic, fresh('server'), async (batch) => {
        held.push(...batch);
      });
      const timeoutMs = 300;
      const call = track(bus.request(topic, 'k', { n: 1 }, timeoutMs));
      await h.settle(100);
      expect(call.done()).toBe(false);
      await eventually(() => call.done());
      expect(call.error).toBeInstanceOf(BusTimeoutError);
      expect(call.error).toMatchObject({ topic, timeoutMs });
      // The request did reach the server; answering too late is harmless.
      await eventually(() => held.length >= 1);
      expect(held).toHaveLength(1);
      await expect(bus.reply(held[0]!, { n: 2 })).resolves.toBeUndefined();
      await h.settle(50);
      expect(call.value).toBeUndefined();
    });

    // A handler may also be synchronous: returning ends its batch, throwing has it delivered again.
    it.each(['async', 'sync'] as const)(
      'redelivers a batch whose %s handler throws, keeping key order',
      async (kind) => {
        const topic = fresh(`redeliver-${kind}`);
        const attempts: Array<{ values: number[]; ok: boolean }> = [];
        const handle = (batch: readonly Envelope<Num>[]): void => {
          const values = batch.map((e) => e.value.n);
          const ok = attempts.length > 0;
          attempts.push({ values, ok });
          if (!ok) throw new Error('handler failure (expected by the test)');
        };
        await bus.subscribe<Num>(
          topic,
          fresh('g'),
          kind === 'sync' ? handle : async (batch) => handle(batch),
        );
        await bus.publish(
          topic,
          Array.from({ length: 5 }, (_, n) => ({ key: 'k', value: { n } })),
        );
        const acked = () => attempts.filter((a) => a.ok).flatMap((a) => a.values);
        await eventually(() => acked().length >= 5);
        await h.settle(300);
        expect(attempts.length).toBeGreaterThanOrEqual(2);
        expect(attempts[0]!.ok).toBe(false);
        // Everything acknowledged once, in order, starting again from the failed batch.
        expect(acked()).toEqual([0, 1, 2, 3, 4]);
        expect(acked().slice(0, attempts[0]!.values.length)).toEqual(attempts[0]!.values);
      },
    );

    it('close() rejects outstanding requests and ends delivery and later calls', async () => {
      const topic = fresh('close');
      let delivered = 0;
      await bus.subscribe(topic, fresh('g'), async (batch) => {
        delivered += batch.length;
      });
      await bus.publish(topic, [{ key: 'k', value: { n: 0 } }]);
      await eventually(() => delivered >= 1);
      const call = track(bus.request(fresh('nobody'), 'k', { n: 1 }, patience * 10));
      await h.settle(10);
      await bus.close();
      await eventually(() => call.done(), 1000);
      expect(call.error).toBeInstanceOf(BusClosedError);
      const before = delivered;
      await expect(bus.publish(topic, [{ key: 'k', value: { n: 2 } }])).rejects.toBeInstanceOf(
        BusClosedError,
      );
      await expect(bus.subscribe(topic, fresh('g'), async () => undefined)).rejects.toBeInstanceOf(
        BusClosedError,
      );
      await expect(bus.request(topic, 'k', {}, 100)).rejects.toBeInstanceOf(BusClosedError);
      await h.settle(200);
      expect(delivered).toBe(before);
      await expect(bus.close()).resolves.toBeUndefined(); // idempotent
    });
  });
}

import { randomUUID } from 'node:crypto';
// psp never imports ioredis itself (it is a core): connections come from the ledger's test helper.
import { connectOrExplain } from '../../ledger/test/redis-connection';
import type { StoredAnswer } from '../src/idempotency';
import { RedisIdempotencyStore } from '../src/redis-idempotency-store';
import { idempotencyStoreContract, type IdempotencyHarness } from './idempotency.contract';

let redis: Awaited<ReturnType<typeof connectOrExplain>>;
beforeAll(async () => {
  redis = await connectOrExplain();
});
afterAll(async () => {
  await redis?.quit();
});

let prefix = '';
const newPrefix = () => (prefix = `test:idem:${randomUUID()}:`);

async function keysOf(p: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${p}*`, 'COUNT', 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

async function deletePrefix(p: string): Promise<void> {
  const keys = await keysOf(p);
  if (keys.length > 0) await redis.unlink(...keys);
}

/**
 * Real time: `advance` waits. Redis expires the keys itself, which is what live mode relies on. The
 * contract's margins are ttlMs / 4 (250 ms), far above the few ms a local round trip takes.
 */
const realTime: IdempotencyHarness = {
  async make(ttlMs) {
    return new RedisIdempotencyStore({ redis, prefix: newPrefix(), ttlMs });
  },
  advance: (ms) => new Promise((r) => setTimeout(r, ms)),
  cleanup: () => deletePrefix(prefix),
};
idempotencyStoreContract('RedisIdempotencyStore (real time)', realTime);

/**
 * Server time shifted: `advance(ms)` takes ms off every key's remaining TTL (deleting those it
 * exhausts), which is what the server's clock moving ms forward would do to them. Deterministic, so
 * the TTL arithmetic of claim and complete is checked without timing margins.
 */
const shiftedTime: IdempotencyHarness = {
  async make(ttlMs) {
    return new RedisIdempotencyStore({ redis, prefix: newPrefix(), ttlMs });
  },
  async advance(ms) {
    for (const key of await keysOf(prefix)) {
      const left = await redis.pttl(key);
      if (left < 0) throw new Error(`${key} has no TTL (${left})`);
      if (left <= ms) await redis.del(key);
      else await redis.pexpire(key, left - ms);
    }
  },
  cleanup: () => deletePrefix(prefix),
};
// A TTL far above the test's own duration: only the shifts move a key towards expiry, never a slow machine.
idempotencyStoreContract('RedisIdempotencyStore (shifted server time)', shiftedTime, 600_000);

describe('RedisIdempotencyStore across processes', () => {
  const ok: StoredAnswer = { httpStatus: 200, body: { txnId: 'T1', status: 'SUCCESS', code: '00' } };
  let a: RedisIdempotencyStore;
  let b: RedisIdempotencyStore;
  let conns: Array<typeof redis>;
  let p: string;
  beforeEach(async () => {
    // Two stores on their own connections, as two PSP processes would be.
    p = `test:idem:${randomUUID()}:`;
    conns = [await connectOrExplain(), await connectOrExplain()];
    a = new RedisIdempotencyStore({ redis: conns[0]!, prefix: p, ttlMs: 60_000 });
    b = new RedisIdempotencyStore({ redis: conns[1]!, prefix: p, ttlMs: 60_000 });
  });
  afterEach(async () => {
    for (const c of conns) await c.quit();
    await deletePrefix(p);
  });

  it("each sees the other's claims and answers", async () => {
    expect(await a.claim('k', 'fp', 'T1')).toEqual({ kind: 'NEW' });
    expect(await b.claim('k', 'fp', 'T2')).toEqual({ kind: 'IN_FLIGHT', txnId: 'T1' });
    expect(await b.claim('k', 'other', 'T3')).toEqual({ kind: 'CONFLICT' });
    await b.complete('k', 'other', ok); // not b's body: ignored
    expect(await a.claim('k', 'fp', 'T4')).toEqual({ kind: 'IN_FLIGHT', txnId: 'T1' });
    await a.complete('k', 'fp', ok);
    expect(await b.claim('k', 'fp', 'T5')).toEqual({ kind: 'DONE', txnId: 'T1', answer: ok });
  });

  it('racing claims from both processes: exactly one NEW per key, the rest name its txn', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `race${i}`);
    const claims = keys.flatMap((k) =>
      [a, b, a, b].map((s, i) => s.claim(k, 'fp', `${k}-T${i}`).then((c) => ({ k, i, c }))),
    );
    const results = await Promise.all(claims);
    for (const k of keys) {
      const mine = results.filter((r) => r.k === k);
      const winners = mine.filter((r) => r.c.kind === 'NEW');
      expect(winners).toHaveLength(1);
      for (const r of mine) {
        if (r.c.kind !== 'NEW') expect(r.c).toEqual({ kind: 'IN_FLIGHT', txnId: `${k}-T${winners[0]!.i}` });
      }
    }
  });

  it('keeps the TTL on every write and stores answers verbatim', async () => {
    const exact: StoredAnswer = {
      httpStatus: 200,
      body: { latencyMs: 12.345678901234567, big: 2 ** 52 + 1, s: 'a/b"é' },
    };
    await a.claim('k', 'fp/é"', 'T1');
    await b.complete('k', 'fp/é"', exact);
    const ttl = await redis.pttl(`${p}k`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await a.claim('k', 'fp/é"', 'T2')).toEqual({ kind: 'DONE', txnId: 'T1', answer: exact });
  });
});

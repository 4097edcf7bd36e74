import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { LedgerStore } from '../src/ledger-store';
import { RedisLedger } from '../src/redis-ledger';
import { ledgerContract } from './ledger.contract';
import { connectOrExplain } from './redis-connection';

// One connection for the whole file (auto-pipelined); each store gets a fresh prefix and is flushed after.
let redis: Redis;
beforeAll(async () => {
  redis = await connectOrExplain();
});
afterAll(async () => {
  await redis?.quit();
});

const fresh = (prefix = `test:ledger:${randomUUID()}`) => new RedisLedger({ redis, prefix });

ledgerContract(
  'RedisLedger',
  async () => fresh(),
  async (store: LedgerStore) => {
    await (store as RedisLedger).flush();
    await store.close();
  },
);

describe('RedisLedger specifics', () => {
  test('ledgers under different prefixes share one Redis without seeing each other', async () => {
    const a = fresh();
    const b = fresh();
    try {
      await a.open([{ account: 'X', bank: 'HDFC', vpa: 'x@hdfc', balancePaise: 100 }]);
      await b.open([{ account: 'X', bank: 'HDFC', vpa: 'x@hdfc', balancePaise: 7 }]);
      expect(await a.apply([{ kind: 'DEBIT', txnId: 't', account: 'X', amountPaise: 60 }])).toEqual([
        { outcome: 'OK', replay: false },
      ]);
      expect(await b.record('t', 'DEBIT')).toBe('NONE');
      expect(await b.account('X')).toMatchObject({ availablePaise: 7 });
      await a.flush();
      expect(await a.summary()).toEqual({
        openingPaise: 0,
        availablePaise: 0,
        heldPaise: 0,
        accounts: 0,
        perBank: {},
      });
      expect(await b.summary()).toMatchObject({ openingPaise: 7, accounts: 1 });
    } finally {
      await b.flush();
    }
  });

  test('a batch is one script call, however many ops', async () => {
    const prefix = `test:ledger:${randomUUID()}`;
    const l = fresh(prefix);
    try {
      await l.open([{ account: 'A', bank: 'SBI', vpa: 'a@sbi', balancePaise: 1_000_000 }]);
      const monitor = await redis.monitor();
      const seen: string[] = [];
      // Only this ledger's commands sent by clients: other suites may share the server, and MONITOR
      // also lists the commands a script runs (source "lua").
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (source !== 'lua' && args.some((a) => String(a).includes(prefix))) {
          seen.push(String(args[0]).toLowerCase());
        }
      });
      const ops = Array.from({ length: 50 }, (_, i) => ({
        kind: 'HOLD' as const,
        txnId: `t${i}`,
        account: 'A',
        amountPaise: 10,
      }));
      await l.apply(ops);
      await redis.ping(); // MONITOR lags the command it reports; a later command flushes it through.
      await new Promise((r) => setTimeout(r, 50));
      monitor.disconnect();
      const calls = seen.filter((c) => c === 'evalsha' || c === 'eval');
      // EVAL when it is the script's first call on this connection, EVALSHA after: one call either way.
      expect(calls).toHaveLength(1);
      expect(seen).toEqual(calls);
      expect(await l.summary()).toMatchObject({ availablePaise: 999_500, heldPaise: 500 });
    } finally {
      await l.flush();
    }
  });

  test('amounts near 2^53 compare exactly (Lua numbers are doubles, exact up to 2^53)', async () => {
    const l = fresh();
    try {
      const max = Number.MAX_SAFE_INTEGER;
      await l.open([{ account: 'R', bank: 'RBI', vpa: 'r@rbi', balancePaise: max - 1 }]);
      expect(await l.apply([{ kind: 'DEBIT', txnId: 'd', account: 'R', amountPaise: max }])).toEqual([
        { outcome: 'INSUFFICIENT_FUNDS', replay: false },
      ]);
      expect(await l.apply([{ kind: 'HOLD', txnId: 'h', account: 'R', amountPaise: max - 1 }])).toEqual([
        { outcome: 'OK', replay: false },
      ]);
      expect(await l.account('R')).toMatchObject({ availablePaise: 0, heldPaise: max - 1 });
      expect(await l.summary()).toMatchObject({ openingPaise: max - 1, heldPaise: max - 1 });
    } finally {
      await l.flush();
    }
  });

  test('rejects a prefix that would break the key namespace', () => {
    expect(() => new RedisLedger({ redis, prefix: '' })).toThrow(/prefix/);
    expect(() => new RedisLedger({ redis, prefix: 'a{b}' })).toThrow(/prefix/);
  });
});

import type Redis from 'ioredis';
import { runKeys } from './env';
import { isRunKey, runKeyPages } from './redis';

describe("a run's Redis keys", () => {
  test('every kind of key a run writes is its own, plain or hash-tagged', () => {
    const k = runKeys('r1');
    for (const key of [
      `{${k.ledger}}:acct:SBI-1`,
      `{${k.ledger}}:sum`,
      `${k.idempotency}:r1-mx-42`,
      `${k.clearing}:journal`,
    ])
      expect({ key, own: isRunKey('r1', key) }).toEqual({ key, own: true });
  });

  test("another run's keys are not, however alike its id", () => {
    for (const [run, key] of [
      ['r1', `{${runKeys('r10').ledger}}:sum`],
      ['r1', `${runKeys('xr1').idempotency}:k`],
      ['r1', `${runKeys('r1-2').clearing}:journal`],
      ['r1', 'upi:r1:other:k'],
      ['r1', 'upi:r1:ledger'],
    ] as const)
      expect({ key, own: isRunKey(run, key) }).toEqual({ key, own: false });
  });

  test('a run id that could be a pattern is refused before Redis is asked', async () => {
    const redis = { scanStream: jest.fn() } as unknown as Redis;
    await expect(runKeyPages(redis, '*').next()).rejects.toThrow(/run id must be/);
    expect(redis.scanStream).not.toHaveBeenCalled();
  });
});

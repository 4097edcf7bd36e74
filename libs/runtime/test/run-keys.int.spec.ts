import { randomUUID } from 'node:crypto';
import { connectOrExplain, REDIS_URL } from '../../ledger/test/redis-connection';
import { RedisLedger } from '../../ledger/src/redis-ledger';
import { RedisIdempotencyStore } from '../../psp/src/redis-idempotency-store';
import { runKeys } from '../src/live/env';
import { deleteRunKeys } from '../src/live/redis';
import { countRunKeys } from './run-keys';

// `stack down` deletes a run's keys from the real Redis: all of them, and nobody else's.

let redis: Awaited<ReturnType<typeof connectOrExplain>>;
beforeAll(async () => {
  redis = await connectOrExplain();
});
afterAll(async () => {
  await redis?.quit();
});

/** Writes what a live run's processes write: ledger accounts, idempotency answers, the clearing journal. */
async function fillRun(runId: string, payments: number): Promise<void> {
  const k = runKeys(runId);
  const ledger = new RedisLedger({ prefix: k.ledger, redis });
  await ledger.open([
    { account: 'A1', bank: 'SBI', vpa: 'a1@sbi', balancePaise: 100_000 },
    { account: 'B1', bank: 'HDFC', vpa: 'b1@hdfc', balancePaise: 50_000 },
  ]);
  const store = new RedisIdempotencyStore({ redis, prefix: `${k.idempotency}:`, ttlMs: 600_000 });
  for (let i = 0; i < payments; i++) await store.claim(`key-${i}`, 'fp', `T${i}`);
  // The clearing process's journal (apps/clearing): one hash under the run's clearing prefix.
  await redis.hset(`${k.clearing}:journal`, 'T0', '{}');
}

const countRun = (runId: string) => countRunKeys(redis, runId);

test("deleting a run's keys leaves a run whose id begins the same way", async () => {
  const run = `t${randomUUID().slice(0, 8)}`;
  const neighbour = `${run}0`; // the same id and one more character
  // More keys than one SCAN page holds, so the deletion has to follow the cursor.
  await fillRun(run, 2_500);
  await fillRun(neighbour, 10);
  const before = await countRun(run);
  expect(before).toBeGreaterThan(2_500);
  const neighbourBefore = await countRun(neighbour);
  expect(neighbourBefore).toBeGreaterThan(10);

  expect(await deleteRunKeys(REDIS_URL, run)).toBe(before);
  expect(await countRun(run)).toBe(0);
  expect(await countRun(neighbour)).toBe(neighbourBefore);

  expect(await deleteRunKeys(REDIS_URL, neighbour)).toBe(neighbourBefore);
  expect(await deleteRunKeys(REDIS_URL, run)).toBe(0);
});

test('an unreachable Redis is an error, not a hang', async () => {
  await expect(deleteRunKeys('redis://127.0.0.1:1', 'r1')).rejects.toThrow(
    /Redis at redis:\/\/127.0.0.1:1: .*ECONNREFUSED/,
  );
});

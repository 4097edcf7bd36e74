import type Redis from 'ioredis';
import { connectRedis } from '../../../ledger/src/redis-connection';
import { RUN_ID_RULE, isRunId, runKeys } from './env';

/** Whether a Redis key belongs to the run: under one of its prefixes, plain or as a hash tag (`{prefix}:…`). */
export function isRunKey(runId: string, key: string): boolean {
  for (const prefix of Object.values(runKeys(runId))) {
    if (key.startsWith(`${prefix}:`) || key.startsWith(`{${prefix}}:`)) return true;
  }
  return false;
}

/**
 * A run's keys in Redis, a SCAN page at a time: its ledger, idempotency answers and clearing
 * journal (`runKeys`). One pass over the keyspace matches every prefix; `isRunKey` then keeps only
 * those three kinds.
 */
export async function* runKeyPages(redis: Redis, runId: string): AsyncGenerator<string[]> {
  // A run id is never a glob ('*' would scan for every run's keys).
  if (!isRunId(runId)) throw new RangeError(`run id must be ${RUN_ID_RULE}, got "${runId}"`);
  const stream = redis.scanStream({ match: `*upi:${runId}:*`, count: 1000 });
  for await (const page of stream as AsyncIterable<string[]>) {
    const own = page.filter((k) => isRunKey(runId, k));
    if (own.length > 0) yield own;
  }
}

/**
 * Deletes a run's keys from Redis, so a Redis that outlives many stacks does not keep every run's
 * payments (a day of load tests would fill its memory). Returns how many were deleted.
 */
export async function deleteRunKeys(redisUrl: string, runId: string): Promise<number> {
  const redis = await connectRedis(redisUrl);
  try {
    let deleted = 0;
    for await (const keys of runKeyPages(redis, runId)) deleted += await redis.unlink(...keys);
    return deleted;
  } finally {
    redis.disconnect();
  }
}

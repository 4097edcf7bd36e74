import type Redis from 'ioredis';
import { runKeyPages } from '../src/live/redis';

/** How many keys of a run are in Redis (its ledger, idempotency answers and clearing journal). */
export async function countRunKeys(redis: Redis, runId: string): Promise<number> {
  let n = 0;
  for await (const page of runKeyPages(redis, runId)) n += page.length;
  return n;
}

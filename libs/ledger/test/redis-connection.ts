import type Redis from 'ioredis';
import { connectRedis } from '../src/redis-connection';
import { DEFAULT_REDIS_URL } from '../src/redis-ledger';

/** The Redis the integration tests use: REDIS_URL, default the project's instance on 6390. */
export const REDIS_URL = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;

/**
 * Opens a connection and proves the server answers, or fails with how to start it. Integration tests
 * never skip: a missing Redis is a failure, reported clearly.
 */
export async function connectOrExplain(url = REDIS_URL): Promise<Redis> {
  try {
    // connectRedis also keeps later failures (a restart in the durability test) from crashing jest
    // with an unhandled 'error' event.
    return await connectRedis(url, { enableAutoPipelining: true, connectTimeout: 2_000 });
  } catch (e) {
    throw new Error(
      `Redis is not reachable (${(e as Error).message}). ` +
        'Start it with `infra/redis/redis.sh install && infra/redis/redis.sh start`, or set REDIS_URL.',
    );
  }
}

import Redis, { type RedisOptions } from 'ioredis';

/**
 * Opens a connection that fails at once when the server is not there (no reconnect loop, one try
 * per command) and says why: the socket's error (ECONNREFUSED…) says more than ioredis' rejection.
 * Errors after that are kept from crashing the process as unhandled 'error' events; commands still
 * reject with them.
 */
export async function connectRedis(url: string, opts: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    ...opts,
  });
  let cause: Error | undefined;
  redis.on('error', (e: Error) => (cause ??= e));
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`Redis at ${url}: ${(cause ?? (err as Error)).message}`);
  }
  return redis;
}

import { ConfigError, readCommon, type CommonLiveConfig, type Env } from '../../../libs/runtime/src/live/env';

export interface PspConfig extends CommonLiveConfig {
  /** UPI_IDEMPOTENCY_TTL_MS: how long an Idempotency-Key is remembered. Default 24 h. */
  readonly idempotencyTtlMs: number;
  /** UPI_INSTANCE: names this PSP process (several may serve one run). Default psp. */
  readonly instance: string;
}

/** The PSP process's environment (docs/live-mode.md). Default PORT 18080. */
export function readPspConfig(env: Env = process.env): PspConfig {
  const raw = env.UPI_IDEMPOTENCY_TTL_MS;
  const ttl = raw === undefined || raw === '' ? 24 * 3600_000 : Number(raw);
  if (!Number.isInteger(ttl) || ttl < 1000)
    throw new ConfigError(`UPI_IDEMPOTENCY_TTL_MS must be an integer of at least 1000, got "${raw}"`);
  const instance = env.UPI_INSTANCE ?? 'psp';
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(instance))
    throw new ConfigError(`UPI_INSTANCE must be 1-40 characters of [A-Za-z0-9_-], got "${instance}"`);
  return { ...readCommon(env, 18080), idempotencyTtlMs: ttl, instance };
}

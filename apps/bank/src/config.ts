import { ConfigError, readCommon, type CommonLiveConfig, type Env } from '../../../libs/runtime/src/live/env';

export interface BankConfig extends CommonLiveConfig {
  /** UPI_BANKS, raw: which banks this process hosts (checked against the scenario once loaded). */
  readonly banksRaw: string | undefined;
  /** UPI_INSTANCE: names this process in logs, metrics and its Kafka reply topic. Default bank. */
  readonly instance: string;
  /**
   * UPI_BANK_TICK_MS: completion grid of the bank model; requests completing in one tick share one
   * ledger round trip (one fsync with appendfsync always). Default 1.
   */
  readonly tickMs: number;
}

/** A bank process's environment (docs/live-mode.md). Default PORT 18090. */
export function readBankConfig(env: Env = process.env): BankConfig {
  const instance = env.UPI_INSTANCE ?? 'bank';
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(instance))
    throw new ConfigError(`UPI_INSTANCE must be 1-40 characters of [A-Za-z0-9_-], got "${instance}"`);
  const rawTick = env.UPI_BANK_TICK_MS;
  const tickMs = rawTick === undefined || rawTick === '' ? 1 : Number(rawTick);
  if (!Number.isInteger(tickMs) || tickMs < 1 || tickMs > 1000)
    throw new ConfigError(`UPI_BANK_TICK_MS must be an integer from 1 to 1000, got "${rawTick}"`);
  return { ...readCommon(env, 18090), banksRaw: env.UPI_BANKS, instance, tickMs };
}

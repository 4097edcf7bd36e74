import { ConfigError, readCommon, type CommonLiveConfig, type Env } from '../../../libs/runtime/src/live/env';

export interface BankConfig extends CommonLiveConfig {
  /** UPI_BANKS, raw: which banks this process hosts (checked against the scenario once loaded). */
  readonly banksRaw: string | undefined;
  /** UPI_INSTANCE: names this process in logs, metrics and its Kafka reply topic. Default bank. */
  readonly instance: string;
}

/** A bank process's environment (docs/live-mode.md). Default PORT 18090. */
export function readBankConfig(env: Env = process.env): BankConfig {
  const instance = env.UPI_INSTANCE ?? 'bank';
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(instance))
    throw new ConfigError(`UPI_INSTANCE must be 1-40 characters of [A-Za-z0-9_-], got "${instance}"`);
  return { ...readCommon(env, 18090), banksRaw: env.UPI_BANKS, instance };
}

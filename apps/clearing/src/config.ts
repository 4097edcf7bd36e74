import { readCommon, type CommonLiveConfig, type Env } from '../../../libs/runtime/src/live/env';

export type ClearingConfig = CommonLiveConfig;

/** The clearing process's environment (docs/live-mode.md). Default PORT 18082. */
export function readClearingConfig(env: Env = process.env): ClearingConfig {
  return readCommon(env, 18082);
}

import { readCommon, type CommonLiveConfig, type Env } from '../../../libs/runtime/src/live/env';

export type SwitchConfig = CommonLiveConfig;

/** The switch process's environment (docs/live-mode.md). Default PORT 18081. */
export function readSwitchConfig(env: Env = process.env): SwitchConfig {
  return readCommon(env, 18081);
}

import type { ComponentState } from './stack-state';
import { k6Env } from './stack';

const c = (name: string, app: ComponentState['app'], port: number, banks?: string[]): ComponentState => ({
  name,
  app,
  url: `http://127.0.0.1:${port}`,
  port,
  pid: 1,
  env: {},
  log: '',
  ...(banks ? { banks } : {}),
});

describe('k6Env: the k6 script targets of a stack', () => {
  it('names every PSP, switch replica, and bank with the process that hosts it', () => {
    const env = k6Env([
      c('psp-1', 'psp', 18080),
      c('psp-2', 'psp', 18082),
      c('switch-1', 'switch', 18081),
      c('switch-2', 'switch', 18083),
      c('clearing', 'clearing', 18085),
      c('bank-1', 'bank', 18090, ['SBI', 'HDFC']),
      c('bank-2', 'bank', 18091, ['KOTAK']),
    ]);
    expect(env.split(' ')).toEqual([
      'TARGET=http://127.0.0.1:18080',
      'PSPS=http://127.0.0.1:18080,http://127.0.0.1:18082',
      'SWITCHES=http://127.0.0.1:18081,http://127.0.0.1:18083',
      'BANKS=SBI=http://127.0.0.1:18090,HDFC=http://127.0.0.1:18090,KOTAK=http://127.0.0.1:18091',
    ]);
  });
});

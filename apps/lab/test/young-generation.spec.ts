import { DEFAULT_SEMI_SPACE_MB, relaunchArgs, SEMI_SPACE_ENV } from '../src/young-generation';

const node = (...args: string[]) => ['/usr/bin/node', '/x/dist/apps/lab/src/main.js', ...args];

describe('relaunchArgs: the CLI starts itself again with a larger young generation', () => {
  it('for the commands that run the cores in this process, with node arguments kept', () => {
    for (const cmd of ['run', 'simulate', 'plan', 'compare', 'validate-model']) {
      expect(relaunchArgs(node(cmd, '--scenario', 's.yaml'), ['--enable-source-maps'], {})).toEqual([
        `--max-semi-space-size=${DEFAULT_SEMI_SPACE_MB}`,
        '--enable-source-maps',
        '/x/dist/apps/lab/src/main.js',
        cmd,
        '--scenario',
        's.yaml',
      ]);
    }
    // Options before the command name do not hide it.
    expect(relaunchArgs(node('--no-progress', 'simulate'), [], {})).not.toBeNull();
  });

  it('not for other commands, nor when the flag is set already, nor when turned off', () => {
    expect(relaunchArgs(node('stack', 'up'), [], {})).toBeNull();
    expect(relaunchArgs(node('load', '--scenario', 'run'), [], {})).toBeNull();
    expect(relaunchArgs(node(), [], {})).toBeNull();
    expect(relaunchArgs(node('simulate'), ['--max-semi-space-size=64'], {})).toBeNull();
    expect(relaunchArgs(node('simulate'), [], { NODE_OPTIONS: '--max-semi-space-size=32' })).toBeNull();
    expect(relaunchArgs(node('simulate'), [], { [SEMI_SPACE_ENV]: '0' })).toBeNull();
  });

  it('takes the size from the environment, and refuses a malformed one with a clear error', () => {
    expect(relaunchArgs(node('plan'), [], { [SEMI_SPACE_ENV]: '256' })![0]).toBe('--max-semi-space-size=256');
    for (const bad of ['abc', '-1', '1.5', '99999'])
      expect(() => relaunchArgs(node('plan'), [], { [SEMI_SPACE_ENV]: bad })).toThrow(
        new RegExp(`${SEMI_SPACE_ENV} must be a whole number of MB`),
      );
  });
});

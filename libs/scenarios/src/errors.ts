import { InputError } from '../../domain/src/input-error';

/** A scenario (or result) that cannot be used, with every problem found as `path: message`. */
export class ScenarioError extends InputError {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: invalid scenario\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

/**
 * Input a person can fix: a scenario, model, plan or result file, an SLO, a command-line value.
 * The CLI prints the message alone and exits 2; any other error is a bug and keeps its stack trace.
 * Each kind of input has its subclass (ScenarioError, SloError, SimModelError…).
 */
export class InputError extends Error {
  override name = 'InputError';
}

import { InputError } from '../../../libs/domain/src';

/**
 * What the CLI prints for an error that ends a command: the message alone for bad input (the
 * message says what to fix), the stack trace for anything else (a bug, to be reported as such).
 */
export function cliErrorText(err: unknown): string {
  if (err instanceof InputError) return err.message;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

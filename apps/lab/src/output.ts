import { closeSync, existsSync, mkdirSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../../../libs/domain/src';

/**
 * Refuses an output path that cannot be written, before a long run rather than after it (its
 * directory is created). Opens the file for appending, which changes nothing in an existing one;
 * a file it had to create is removed again.
 */
export function checkWritable(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const existed = existsSync(path);
    closeSync(openSync(path, 'a'));
    if (!existed) unlinkSync(path);
  } catch (err) {
    throw new InputError(`cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Writes one output file of a command (its directory created); a failure names the path. */
export function writeOutput(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (err) {
    throw new InputError(`cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

import { InvalidArgumentError } from 'commander';

/** commander parsers for numeric options: a clear error naming the option, never a NaN. */

/** A whole number ≥ 0. */
export const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};

/** A whole number ≥ 1. */
export const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

/** A finite number > 0. */
export const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

/** One of the listed whole numbers (switch replicas: 3 or 5). */
export const intOf = (name: string, allowed: readonly number[]) => (v: string) => {
  const n = Number(v);
  if (!allowed.includes(n)) {
    const list =
      allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}` : `${allowed[0]}`;
    throw new InvalidArgumentError(`${name} must be ${list}`);
  }
  return n;
};

/** A whole number from `min` to `max`. */
export const intIn = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
};

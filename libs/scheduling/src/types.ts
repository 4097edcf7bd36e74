import { CATEGORIES, CLASS_INFO, type Category, type Initiation } from '../../domain/src';

/** What the scheduler needs to know about an item (the item itself stays opaque). */
export interface ItemMeta {
  readonly category: Category;
  readonly initiation: Initiation;
}

export const STRATEGIES = ['fifo', 'strict-priority', 'weighted-fair', 'earliest-deadline-first'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export function isStrategyName(x: unknown): x is StrategyName {
  return typeof x === 'string' && (STRATEGIES as readonly string[]).includes(x);
}

/** Categories ordered by priority class (index 0 = class 1 = MEDICAL). */
export const CLASS_ORDER: readonly Category[] = [...CATEGORIES].sort(
  (a, b) => CLASS_INFO[a].priority - CLASS_INFO[b].priority,
);

export function classIndex(c: Category): number {
  return CLASS_INFO[c].priority - 1;
}

export type PerClass<V> = Record<Category, V>;

export function perClass<V>(f: (c: Category) => V): PerClass<V> {
  const out = {} as PerClass<V>;
  for (const c of CLASS_ORDER) out[c] = f(c);
  return out;
}

/** Default class deadlines: the switch queueing budgets of libs/domain CLASS_INFO. */
export function defaultDeadlines(): PerClass<number> {
  return perClass((c) => CLASS_INFO[c].deadlineMs);
}

export function assertFinitePositive(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new Error(`${name} must be a finite number > 0, got ${String(v)}`);
  }
}

export function assertPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be an integer > 0, got ${String(v)}`);
}

export function assertNonNegative(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`${name} must be a finite number >= 0, got ${String(v)}`);
  }
}

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One process the stack started. */
export interface ComponentState {
  /** psp, switch, clearing, bank-1, bank-2, … */
  readonly name: string;
  readonly app: 'psp' | 'switch' | 'bank' | 'clearing';
  readonly url: string;
  readonly port: number;
  pid: number | null;
  /** The environment it was started with (again on restart). */
  readonly env: Record<string, string>;
  readonly log: string;
  /** Bank processes: the banks hosted. */
  readonly banks?: readonly string[];
}

/** `.state/stack/stack.json`: what `stack up` started, so `down` stops exactly that. */
export interface StackState {
  readonly version: 1;
  readonly runId: string;
  readonly scenario: string;
  readonly adminToken: string;
  readonly startedAt: string;
  readonly root: string;
  readonly infra: {
    readonly kafka: {
      readonly brokers: string;
      /** Absent in state files written before it was recorded: the broker port + 1. */
      readonly controllerPort?: number;
      readonly startedByStack: boolean;
    };
    readonly redis: { readonly url: string; readonly startedByStack: boolean };
  };
  readonly components: ComponentState[];
}

/** `.state/stack`, or UPI_STACK_DIR (tests use their own, beside a developer's stack). */
export function stackDir(root: string): string {
  return process.env.UPI_STACK_DIR ?? join(root, '.state', 'stack');
}

export function statePath(root: string): string {
  return join(stackDir(root), 'stack.json');
}

export function readState(root: string): StackState | null {
  const p = statePath(root);
  if (!existsSync(p)) return null;
  return JSON.parse(readFileSync(p, 'utf8')) as StackState;
}

/** Written atomically and private to the user: it holds the admin token. */
export function writeState(root: string, s: StackState): void {
  const p = statePath(root);
  mkdirSync(dirname(p), { recursive: true });
  const tmp = `${p}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, p);
}

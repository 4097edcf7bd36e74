import type { Entry, Snapshot } from '../types';

/** A client command as carried in an entry's data. */
export interface KvCommand {
  id: number;
  client: number;
  op: 'put' | 'get';
  key: string;
  value?: string;
}

/**
 * The replicated state machine of the simulation: a small key-value map standing in for the
 * switch's registry. Applies committed entries in order; snapshots are its JSON image.
 */
export class KvStateMachine {
  private data = new Map<string, string>();
  applied = 0;

  /** Applies one committed entry; returns the command and its result (no-ops return null). */
  apply(e: Entry): { cmd: KvCommand; value: string } | null {
    if (e.index !== this.applied + 1) throw new Error(`apply ${e.index} after ${this.applied}: gap`);
    this.applied = e.index;
    if (e.data === '') return null;
    const cmd = JSON.parse(e.data) as KvCommand;
    if (cmd.op === 'put') {
      this.data.set(cmd.key, cmd.value ?? '');
      return { cmd, value: cmd.value ?? '' };
    }
    return { cmd, value: this.data.get(cmd.key) ?? '' };
  }

  restore(s: Snapshot): void {
    const img = JSON.parse(s.data) as { applied: number; data: [string, string][] };
    if (img.applied !== s.index) throw new Error(`snapshot image at ${img.applied} labelled ${s.index}`);
    this.data = new Map(img.data);
    this.applied = s.index;
  }

  /** The image at `applied`, keys sorted so equal states give equal strings. */
  image(): string {
    const data = [...this.data.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return JSON.stringify({ applied: this.applied, data });
  }
}

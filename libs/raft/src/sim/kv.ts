import type { ReplicatedStateMachine } from '../host';
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
    return { cmd, value: execute(this.data, cmd) };
  }

  restore(s: Snapshot): void {
    const img = JSON.parse(s.data) as { applied: number; data: [string, string][] };
    if (img.applied !== s.index) throw new Error(`snapshot image at ${img.applied} labelled ${s.index}`);
    this.data = new Map(img.data);
    this.applied = s.index;
  }

  /** The image at `applied`, keys sorted so equal states give equal strings. */
  image(): string {
    return kvImage(this.applied, this.data);
  }
}

/** Runs one command against the map; returns the value written (put) or read (get). */
function execute(data: Map<string, string>, cmd: KvCommand): string {
  if (cmd.op === 'put') {
    data.set(cmd.key, cmd.value ?? '');
    return cmd.value ?? '';
  }
  return data.get(cmd.key) ?? '';
}

function kvImage(applied: number, data: Map<string, string>): string {
  const sorted = [...data.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return JSON.stringify({ applied, data: sorted });
}

/**
 * The same key-value machine behind a RaftHost (replica process, host tests): the host skips
 * no-op entries and passes the index, so the image records the last index applied.
 */
export class KvReplicaMachine implements ReplicatedStateMachine {
  private data = new Map<string, string>();
  applied = 0;
  /** Commands applied since the last restore, if asked for (tests compare sequences). */
  readonly history: string[] = [];

  constructor(private readonly keepHistory = false) {}

  apply(data: string, index: number): string {
    const cmd = parseKv(data);
    const value = execute(this.data, cmd);
    this.applied = index;
    if (this.keepHistory) this.history.push(data);
    return value;
  }

  snapshot(): string {
    return kvImage(this.applied, this.data);
  }

  restore(image: string): void {
    const img = JSON.parse(image) as { applied: number; data: [string, string][] };
    this.data = new Map(img.data);
    this.applied = img.applied;
    this.history.length = 0;
  }

  get(key: string): string | undefined {
    return this.data.get(key);
  }

  get size(): number {
    return this.data.size;
  }
}

/** A command from outside (a peer's log or a client): checked before it can touch the map. */
function parseKv(data: string): KvCommand {
  const cmd = JSON.parse(data) as Partial<KvCommand>;
  if (
    typeof cmd !== 'object' ||
    cmd === null ||
    (cmd.op !== 'put' && cmd.op !== 'get') ||
    typeof cmd.key !== 'string' ||
    (cmd.value !== undefined && typeof cmd.value !== 'string')
  )
    throw new Error(`bad kv command: ${data.slice(0, 80)}`);
  return cmd as KvCommand;
}

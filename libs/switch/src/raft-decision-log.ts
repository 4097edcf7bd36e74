import type { Timers } from '../../domain/src';
import { RaftHost, type RaftStatus } from '../../raft/src/host';
import type { RaftStorage } from '../../raft/src/storage';
import type { RaftTransport } from '../../raft/src/transport';
import type { DecisionRecord } from '../../twopc/src';
import type { DecisionLog } from './decision-log';
import type { SwitchReplication } from './replication';
import { encodeSwitchCommand, type SwitchCommand } from './switch-command';
import { SwitchStateMachine, type SwitchApplyResult } from './switch-state-machine';

/** An empty command: once a new leader has applied it, it has applied everything committed before its term. */
const BARRIER = encodeSwitchCommand({});

/**
 * The switch's decision log (and registry) replicated by Raft: `append` resolves only once the
 * records are committed on a majority and applied here, which is the coordinator's rule for
 * going to phase two. It also tells the switch when it leads: after a barrier entry of its own
 * term is applied, so a new leader recovers from a complete state.
 */
export class RaftDecisionLog implements DecisionLog, SwitchReplication {
  private host: RaftHost | null = null;
  private readonly listeners: ((leading: boolean) => void)[] = [];
  private isLeading = false;
  /** The term whose barrier is in flight or applied (0: not leading). */
  private ledTerm = 0;
  private leader = 0;
  private last: RaftStatus | null = null;

  constructor(
    readonly state: SwitchStateMachine = new SwitchStateMachine(),
    private readonly group?: string,
  ) {}

  /** Binds the host whose `onStatus` calls `onStatus` here (see `createSwitchReplica`). */
  attach(host: RaftHost): void {
    if (this.host) throw new Error('RaftDecisionLog: a host is already attached');
    this.host = host;
  }

  get consumerGroup(): string {
    return this.group ?? `switch-${this.requireHost().id}`;
  }

  get leading(): boolean {
    return this.isLeading;
  }

  leaderId(): number {
    return this.leader;
  }

  /** The replica's last Raft status (what `GET /admin/raft` shows). */
  status(): RaftStatus | null {
    return this.host?.status() ?? this.last;
  }

  onLeadership(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }

  append(records: readonly DecisionRecord[]): Promise<void> {
    return this.commit({ records });
  }

  records(): readonly DecisionRecord[] {
    return this.state.decisionRecords();
  }

  async commit(cmd: SwitchCommand): Promise<void> {
    const host = this.requireHost();
    const r = (await host.propose(encodeSwitchCommand(cmd))) as SwitchApplyResult;
    // Our own encoding never fails to decode; if it did, the state did not change: say so loudly.
    if (!r.ok) throw new Error(`switch command rejected by the state machine: ${r.error}`);
  }

  /** The host's status callback: role, term or leader changed. */
  onStatus(s: RaftStatus): void {
    this.last = s;
    this.leader = s.leader;
    if (s.role !== 'leader') {
      this.ledTerm = 0;
      this.setLeading(false);
      return;
    }
    if (this.ledTerm === s.term) return;
    // A new term: never carry leadership over from an older one.
    this.setLeading(false);
    this.ledTerm = s.term;
    const term = s.term;
    this.requireHost()
      .propose(BARRIER)
      .then(
        () => {
          const now = this.requireHost().status();
          if (this.ledTerm === term && now.role === 'leader' && now.term === term) this.setLeading(true);
        },
        // Lost leadership before the barrier applied: the next status change says so.
        () => undefined,
      );
  }

  private setLeading(leading: boolean): void {
    if (this.isLeading === leading) return;
    this.isLeading = leading;
    for (const l of this.listeners) l(leading);
  }

  private requireHost(): RaftHost {
    if (!this.host) throw new Error('RaftDecisionLog: no Raft host attached');
    return this.host;
  }
}

export interface SwitchReplicaOptions {
  readonly id: number;
  readonly peers: readonly number[];
  readonly storage: RaftStorage;
  readonly transport: RaftTransport;
  readonly timers: Timers;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly snapshotEvery?: number;
  readonly seed?: number;
  /** The replica's consumer group (default `switch-<id>`; see SwitchReplication.consumerGroup). */
  readonly consumerGroup?: string;
  /** Also told of every Raft status change (metrics, logs). */
  readonly onStatus?: (s: RaftStatus) => void;
}

/** One switch replica's consensus half: a Raft host applying the switch state machine, and the log over it. */
export function createSwitchReplica(o: SwitchReplicaOptions): { host: RaftHost; log: RaftDecisionLog } {
  const log = new RaftDecisionLog(new SwitchStateMachine(), o.consumerGroup);
  const host = new RaftHost({
    id: o.id,
    peers: o.peers,
    storage: o.storage,
    transport: o.transport,
    stateMachine: {
      apply: (d) => log.state.apply(d),
      snapshot: () => log.state.snapshot(),
      restore: (d) => log.state.restore(d),
    },
    timers: o.timers,
    ...(o.tickMs !== undefined ? { tickMs: o.tickMs } : {}),
    ...(o.electionTicks !== undefined ? { electionTicks: o.electionTicks } : {}),
    ...(o.snapshotEvery !== undefined ? { snapshotEvery: o.snapshotEvery } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    onStatus: (s) => {
      log.onStatus(s);
      o.onStatus?.(s);
    },
  });
  log.attach(host);
  return { host, log };
}

import type { SwitchCommand } from './switch-command';
import type { SwitchStateMachine } from './switch-state-machine';

/**
 * What a replicated switch node needs from its consensus layer (Raft: `RaftDecisionLog`). The
 * node acts only while it leads; everything it must not forget across a failover — registrations,
 * 2PC records, early declines — goes through `commit` first.
 */
export interface SwitchReplication {
  /** The committed state on this replica (every replica's is the same once applied). */
  readonly state: SwitchStateMachine;
  /**
   * The consumer group this replica reads every topic in (`switch-<id>` by default). A live process
   * adds its start time, so a restarted one need not wait for Kafka to expire its dead predecessor's
   * membership; a new group starts at the end of the topics, which a follower can afford.
   */
  readonly consumerGroup: string;
  /** True once this replica leads and has applied everything committed before its term. */
  readonly leading: boolean;
  /** The leader's node id as last known (0: unknown), for redirects. */
  leaderId(): number;
  /** Replicates the command; resolves once it is committed and applied here. */
  commit(cmd: SwitchCommand): Promise<void>;
  /**
   * Leadership changes: true once leading (state caught up), false on losing it. A new term
   * always reports false before true, so a node never carries work over from an older term.
   */
  onLeadership(listener: (leading: boolean) => void): void;
}

/**
 * A replica's Raft state as its switch process answers `GET /admin/raft` (the stack, the load
 * driver's leader-kill fault and the failover tests read it).
 */
export interface SwitchReplicaView {
  readonly id: number;
  readonly region: string;
  readonly role: string;
  readonly term: number;
  /** Leader id as this replica knows it (0: unknown). */
  readonly leader: number;
  readonly commit: number;
  readonly applied: number;
  /** True once this replica's switch acts as leader (its state caught up, consuming). */
  readonly serving: boolean;
}

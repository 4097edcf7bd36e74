/** Node ids are small positive integers; 0 means "none" (no vote, no known leader). */
export type NodeId = number;
export const NONE: NodeId = 0;

/** A log entry. `data` is opaque to Raft (the host encodes its commands); '' is the leader's no-op. */
export interface Entry {
  term: number;
  index: number;
  data: string;
}

/** What must be durable before any message of the same Ready is sent. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

/** A state-machine image covering every entry up to and including `index`. */
export interface Snapshot {
  index: number;
  term: number;
  data: string;
}

export type MessageType =
  | 'PreVote'
  | 'PreVoteResp'
  | 'Vote'
  | 'VoteResp'
  | 'App'
  | 'AppResp'
  | 'Heartbeat'
  | 'HeartbeatResp'
  | 'Snap';

/**
 * One message between replicas. Fields are used as etcd uses them: for App, `index`/`logTerm`
 * are the entry preceding `entries`; for AppResp, `index` is the last matching index (or the
 * rejected one) and `rejectHint`/`logTerm` the follower's conflict hint; for votes, `index` and
 * `logTerm` describe the candidate's last entry.
 */
export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  index: number;
  logTerm: number;
  commit: number;
  reject: boolean;
  rejectHint: number;
  entries: Entry[];
  snapshot?: Snapshot;
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/**
 * The work a node hands to its host. The host must, in this order: persist `snapshot`,
 * `entries` and `hardState` (durably), then send `messages`, then apply `snapshot` (if newer than
 * its state machine) and `committedEntries`, then call `advance(ready)`.
 */
export interface Ready {
  hardState: HardState | null;
  snapshot: Snapshot | null;
  entries: Entry[];
  messages: Message[];
  committedEntries: Entry[];
  role: Role;
  term: number;
  leader: NodeId;
}

/** What storage hands back on start: the durable state a node restarts from. */
export interface PersistedState {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NONE, commit: 0 };

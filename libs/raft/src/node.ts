import type { Random } from '../../domain/src';
import { RaftLog } from './log';
import { Progress } from './progress';
import {
  EMPTY_HARD_STATE,
  NONE,
  type Entry,
  type HardState,
  type Message,
  type MessageType,
  type NodeId,
  type PersistedState,
  type Ready,
  type Role,
  type Snapshot,
} from './types';

export interface RaftConfig {
  id: NodeId;
  /** Every member, this node included (fixed membership: 3 or 5). */
  members: readonly NodeId[];
  /** Seeded randomness for the election timeout. */
  random: Random;
  /** Base election timeout in ticks; the actual one is uniform in [electionTick, 2*electionTick). */
  electionTick?: number;
  heartbeatTick?: number;
  /** Entries per append message. */
  maxEntriesPerMsg?: number;
  /** Unacknowledged appends per follower in replicate state (pipelining depth). */
  maxInflight?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
}

export interface Proposed {
  index: number;
  term: number;
}

/**
 * A Raft node as a pure state machine (after etcd-io/raft): feed it `tick()`, `step(msg)` and
 * `propose(data)`, then drain `ready()` — persist, send, apply — and call `advance(ready)`.
 * It never does I/O, reads a clock, or draws randomness except from the injected Random.
 */
export class RaftNode {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  leader: NodeId = NONE;
  role: Role = 'follower';
  readonly log: RaftLog;
  committed = 0;
  applied = 0;
  /** Last index known durable on this node's storage. */
  private stable = 0;

  private readonly peers: NodeId[];
  private readonly quorum: number;
  private readonly random: Random;
  private readonly electionTick: number;
  private readonly heartbeatTick: number;
  private readonly maxEntries: number;
  private readonly maxInflight: number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readonly votes = new Map<NodeId, boolean>();
  private readonly progress = new Map<NodeId, Progress>();
  private msgs: Message[] = [];
  private prevHs: HardState;
  /** The latest snapshot: sent to followers whose next entry is compacted away. */
  private snapshot: Snapshot | null;
  /** A snapshot the host has yet to persist (and, if newer than its state machine, apply). */
  private pendingSnapshot: Snapshot | null = null;
  /** Proposals appended since the last flush; sent in batches from ready(). */
  private needFlush = false;

  constructor(
    cfg: RaftConfig,
    init: PersistedState = { hardState: EMPTY_HARD_STATE, snapshot: null, entries: [] },
  ) {
    if (!cfg.members.includes(cfg.id)) throw new Error(`node ${cfg.id} is not among members ${cfg.members}`);
    if (cfg.id === NONE) throw new Error('node id 0 is reserved');
    this.id = cfg.id;
    this.peers = cfg.members.filter((m) => m !== cfg.id);
    this.quorum = Math.floor(cfg.members.length / 2) + 1;
    this.random = cfg.random;
    this.electionTick = cfg.electionTick ?? 10;
    this.heartbeatTick = cfg.heartbeatTick ?? 1;
    this.maxEntries = cfg.maxEntriesPerMsg ?? 64;
    this.maxInflight = cfg.maxInflight ?? 32;
    this.preVote = cfg.preVote ?? true;
    this.checkQuorum = cfg.checkQuorum ?? true;
    if (this.heartbeatTick >= this.electionTick) throw new Error('heartbeatTick must be below electionTick');

    this.log = new RaftLog(init.snapshot, init.entries);
    this.snapshot = init.snapshot;
    this.term = init.hardState.term;
    this.vote = init.hardState.vote;
    this.committed = Math.max(init.hardState.commit, this.log.snapIndex);
    if (this.committed > this.log.lastIndex())
      throw new Error(`commit ${this.committed} beyond last index ${this.log.lastIndex()}: log lost`);
    this.applied = this.log.snapIndex;
    this.stable = this.log.lastIndex();
    this.prevHs = { ...init.hardState };
    this.becomeFollower(this.term, NONE);
  }

  // ---- inputs ----

  tick(): void {
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  /** Appends a command if this node leads; null otherwise (ask `leader` for a hint). */
  propose(data: string): Proposed | null {
    if (this.role !== 'leader') return null;
    const e: Entry = { term: this.term, index: this.log.lastIndex() + 1, data };
    this.log.truncateAndAppend([e]);
    this.needFlush = true;
    return { index: e.index, term: e.term };
  }

  /** Starts an election now (tests and leadership hand-off). */
  campaignNow(): void {
    if (this.role !== 'leader') this.hup();
  }

  /**
   * Compacts the log up to `index` (<= applied), with `data` the state machine image at that
   * index. The snapshot comes back in the next Ready for the host to persist.
   */
  compact(index: number, data: string): void {
    if (index <= this.log.snapIndex) return;
    if (index > this.applied) throw new Error(`cannot compact to ${index}: only ${this.applied} applied`);
    const snap: Snapshot = { index, term: this.log.term(index)!, data };
    this.log.compact(index);
    this.snapshot = snap;
    this.pendingSnapshot = snap;
  }

  step(m: Message): void {
    if (m.to !== this.id) return;
    if (m.term > this.term) {
      if (m.type === 'Vote' || m.type === 'PreVote') {
        // A node that hears from a live leader ignores campaigns: check-quorum's lease, which
        // keeps a partitioned node that comes back from deposing a healthy leader.
        const inLease = this.checkQuorum && this.leader !== NONE && this.electionElapsed < this.electionTick;
        if (inLease) return;
      }
      if (m.type === 'PreVote') {
        // Never change term for a pre-vote.
      } else if (m.type === 'PreVoteResp' && !m.reject) {
        // The term moves when the pre-vote wins.
      } else {
        const lead = m.type === 'App' || m.type === 'Heartbeat' || m.type === 'Snap' ? m.from : NONE;
        this.becomeFollower(m.term, lead);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === 'App' || m.type === 'Heartbeat')) {
        // Tell a stale leader of the new term, else it could stay stuck (etcd's reasoning).
        this.send({ type: 'AppResp', to: m.from });
      } else if (m.type === 'PreVote') {
        this.send({ type: 'PreVoteResp', to: m.from, reject: true });
      }
      return;
    }

    if (m.type === 'Vote' || m.type === 'PreVote') {
      const canVote =
        this.vote === m.from ||
        (this.vote === NONE && this.leader === NONE) ||
        (m.type === 'PreVote' && m.term > this.term);
      const respType: MessageType = m.type === 'Vote' ? 'VoteResp' : 'PreVoteResp';
      if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
        this.send({ type: respType, to: m.from, term: m.term });
        if (m.type === 'Vote') {
          this.electionElapsed = 0;
          this.vote = m.from;
        }
      } else {
        this.send({ type: respType, to: m.from, reject: true });
      }
      return;
    }

    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        break;
      case 'candidate':
      case 'pre-candidate':
        this.stepCandidate(m);
        break;
      case 'follower':
        this.stepFollower(m);
        break;
    }
  }

  // ---- output ----

  hasReady(): boolean {
    return (
      this.needFlush ||
      this.msgs.length > 0 ||
      this.pendingSnapshot !== null ||
      this.stable < this.log.lastIndex() ||
      this.committed > this.applied ||
      this.hardStateChanged()
    );
  }

  ready(): Ready {
    if (this.needFlush) {
      this.needFlush = false;
      this.flushAppends(false);
    }
    const hs: HardState = { term: this.term, vote: this.vote, commit: this.committed };
    const applyFrom = Math.max(this.applied, this.pendingSnapshot?.index ?? 0) + 1;
    return {
      hardState: this.hardStateChanged() ? hs : null,
      snapshot: this.pendingSnapshot,
      entries: this.log.slice(this.stable + 1, this.log.lastIndex() + 1),
      messages: this.msgs.slice(),
      committedEntries: this.log.slice(applyFrom, this.committed + 1),
      role: this.role,
      term: this.term,
      leader: this.leader,
    };
  }

  /** The host has persisted, sent and applied everything in `rd`. */
  advance(rd: Ready): void {
    if (rd.hardState) this.prevHs = rd.hardState;
    if (rd.snapshot) {
      this.applied = Math.max(this.applied, rd.snapshot.index);
      if (this.pendingSnapshot === rd.snapshot) this.pendingSnapshot = null;
    }
    const last = rd.entries[rd.entries.length - 1];
    if (last && this.log.matchTerm(last.index, last.term)) this.stable = Math.max(this.stable, last.index);
    this.msgs.splice(0, rd.messages.length);
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied) this.applied = Math.max(this.applied, lastApplied.index);
    if (this.role === 'leader') {
      // The leader counts itself only for entries on its own disk.
      this.progress.get(this.id)!.maybeUpdate(this.stable);
      if (this.maybeCommit()) this.flushAppends(true);
    }
  }

  /** For observability and tests. */
  status(): {
    id: NodeId;
    role: Role;
    term: number;
    leader: NodeId;
    committed: number;
    applied: number;
    lastIndex: number;
  } {
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      leader: this.leader,
      committed: this.committed,
      applied: this.applied,
      lastIndex: this.log.lastIndex(),
    };
  }

  /** The leader's replication state for one follower (tests, metrics). */
  progressOf(peer: NodeId): Readonly<Progress> | undefined {
    return this.role === 'leader' ? this.progress.get(peer) : undefined;
  }

  // ---- roles ----

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NONE;
    }
    this.leader = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTick + this.random.int(this.electionTick);
    this.votes.clear();
    this.progress.clear();
    for (const p of [this.id, ...this.peers])
      this.progress.set(p, new Progress(this.log.lastIndex() + 1, this.maxInflight));
    this.progress.get(this.id)!.match = this.stable;
  }

  private becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.leader = lead;
    this.role = 'follower';
  }

  private becomePreCandidate(): void {
    // Neither the term nor the vote changes: a pre-vote that loses leaves no trace.
    this.role = 'pre-candidate';
    this.votes.clear();
    this.leader = NONE;
    this.randomizedElectionTimeout = this.electionTick + this.random.int(this.electionTick);
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    this.reset(this.term);
    this.leader = this.id;
    this.role = 'leader';
    for (const p of this.peers) this.progress.get(p)!.recentActive = true;
    // The no-op lets the new leader commit (only current-term entries commit by counting).
    this.log.truncateAndAppend([{ term: this.term, index: this.log.lastIndex() + 1, data: '' }]);
    this.flushAppends(true);
  }

  private hup(): void {
    if (this.preVote) this.campaign('PreVote');
    else this.campaign('Vote');
  }

  private campaign(kind: 'PreVote' | 'Vote'): void {
    let term: number;
    if (kind === 'PreVote') {
      this.becomePreCandidate();
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      term = this.term;
    }
    this.votes.set(this.id, true);
    if (this.tally().granted >= this.quorum) {
      if (kind === 'PreVote') this.campaign('Vote');
      else this.becomeLeader();
      return;
    }
    for (const p of this.peers) {
      this.send({ type: kind, to: p, term, index: this.log.lastIndex(), logTerm: this.log.lastTerm() });
    }
  }

  private tally(): { granted: number; rejected: number } {
    let granted = 0;
    let rejected = 0;
    for (const v of this.votes.values()) {
      if (v) granted++;
      else rejected++;
    }
    return { granted, rejected };
  }

  // ---- ticks ----

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup();
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTick) {
      this.electionElapsed = 0;
      if (this.checkQuorum) {
        // A leader that has not heard from a quorum for an election timeout steps down, so a
        // partitioned leader stops serving while the majority elects another.
        let active = 1;
        for (const p of this.peers) if (this.progress.get(p)!.recentActive) active++;
        for (const p of this.peers) this.progress.get(p)!.recentActive = false;
        if (active < this.quorum) {
          this.becomeFollower(this.term, NONE);
          return;
        }
      }
    }
    if (this.heartbeatElapsed >= this.heartbeatTick) {
      this.heartbeatElapsed = 0;
      for (const p of this.peers) {
        const pr = this.progress.get(p)!;
        if (pr.state === 'snapshot') pr.snapshotWait++;
        this.send({ type: 'Heartbeat', to: p, commit: Math.min(pr.match, this.committed) });
      }
    }
  }

  // ---- per-role message handling ----

  private stepLeader(m: Message): void {
    const pr = this.progress.get(m.from);
    if (!pr || m.from === this.id) return;
    if (m.type === 'AppResp') {
      pr.recentActive = true;
      if (m.reject) {
        let hint = m.rejectHint;
        if (m.logTerm > 0) hint = this.log.findConflictByTerm(m.rejectHint, m.logTerm)[0];
        if (pr.maybeDecrTo(m.index, hint)) {
          if (pr.state === 'replicate') pr.becomeProbe();
          this.sendAppend(m.from, true);
        }
        return;
      }
      const wasPaused = pr.isPaused();
      if (!pr.maybeUpdate(m.index)) return;
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeReplicate();
      else if (pr.state === 'replicate') pr.freeLE(m.index);
      if (this.maybeCommit()) this.flushAppends(true);
      else if (wasPaused) this.sendAppend(m.from, true);
      while (this.sendAppend(m.from, false));
    } else if (m.type === 'HeartbeatResp') {
      pr.recentActive = true;
      pr.probeSent = false;
      if (pr.state === 'replicate' && pr.isPaused()) pr.freeFirstOne();
      if (pr.state === 'snapshot' && pr.snapshotWait > 3) pr.becomeProbe();
      if (pr.match < this.log.lastIndex()) this.sendAppend(m.from, true);
    }
  }

  private stepCandidate(m: Message): void {
    const want: MessageType = this.role === 'pre-candidate' ? 'PreVoteResp' : 'VoteResp';
    if (m.type === 'App') {
      this.becomeFollower(m.term, m.from);
      this.handleAppend(m);
    } else if (m.type === 'Heartbeat') {
      this.becomeFollower(m.term, m.from);
      this.handleHeartbeat(m);
    } else if (m.type === 'Snap') {
      this.becomeFollower(m.term, m.from);
      this.handleSnapshot(m);
    } else if (m.type === want) {
      if (!this.votes.has(m.from)) this.votes.set(m.from, !m.reject);
      const { granted, rejected } = this.tally();
      if (granted >= this.quorum) {
        if (this.role === 'pre-candidate') this.campaign('Vote');
        else this.becomeLeader();
      } else if (rejected >= this.quorum) {
        this.becomeFollower(this.term, NONE);
      }
    }
  }

  private stepFollower(m: Message): void {
    if (m.type === 'App' || m.type === 'Heartbeat' || m.type === 'Snap') {
      this.electionElapsed = 0;
      this.leader = m.from;
    }
    if (m.type === 'App') this.handleAppend(m);
    else if (m.type === 'Heartbeat') this.handleHeartbeat(m);
    else if (m.type === 'Snap') this.handleSnapshot(m);
  }

  private handleAppend(m: Message): void {
    if (m.index < this.committed) {
      this.send({ type: 'AppResp', to: m.from, index: this.committed });
      return;
    }
    if (this.log.matchTerm(m.index, m.logTerm)) {
      const lastNew = m.index + m.entries.length;
      const ci = this.log.findConflict(m.entries);
      if (ci !== 0) {
        if (ci <= this.committed) throw new Error(`entry ${ci} conflicts with committed ${this.committed}`);
        this.log.truncateAndAppend(m.entries.slice(ci - m.index - 1));
        this.stable = Math.min(this.stable, ci - 1);
      }
      this.commitTo(Math.min(m.commit, lastNew));
      this.send({ type: 'AppResp', to: m.from, index: lastNew });
      return;
    }
    const [hintIndex, hintTerm] = this.log.findConflictByTerm(
      Math.min(m.index, this.log.lastIndex()),
      m.logTerm,
    );
    this.send({
      type: 'AppResp',
      to: m.from,
      index: m.index,
      reject: true,
      rejectHint: hintIndex,
      logTerm: hintTerm,
    });
  }

  private handleHeartbeat(m: Message): void {
    this.commitTo(m.commit);
    this.send({ type: 'HeartbeatResp', to: m.from });
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    if (!s) return;
    if (s.index <= this.committed) {
      this.send({ type: 'AppResp', to: m.from, index: this.committed });
    } else if (this.log.matchTerm(s.index, s.term)) {
      // We already hold the snapshot's last entry: just fast-forward the commit.
      this.commitTo(s.index);
      this.send({ type: 'AppResp', to: m.from, index: this.committed });
    } else {
      this.log.restore(s);
      this.committed = s.index;
      this.stable = s.index;
      this.snapshot = s;
      this.pendingSnapshot = s;
      this.send({ type: 'AppResp', to: m.from, index: s.index });
    }
  }

  // ---- replication ----

  private commitTo(c: number): void {
    if (c <= this.committed) return;
    if (c > this.log.lastIndex()) throw new Error(`commit ${c} beyond last index ${this.log.lastIndex()}`);
    this.committed = c;
  }

  /** Raises the commit index to the quorum's match, but only onto an entry of this term (Raft §5.4.2). */
  private maybeCommit(): boolean {
    const matches = [...this.progress.values()].map((p) => p.match).sort((a, b) => b - a);
    const mci = matches[this.quorum - 1]!;
    if (mci > this.committed && this.log.term(mci) === this.term) {
      this.committed = mci;
      return true;
    }
    return false;
  }

  private flushAppends(sendIfEmpty: boolean): void {
    for (const p of this.peers) {
      let sent = false;
      while (this.sendAppend(p, false)) sent = true;
      if (!sent && sendIfEmpty) this.sendAppend(p, true);
    }
  }

  /** Sends the next batch to `to` if its progress allows; false if nothing was sent. */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to)!;
    if (pr.isPaused()) return false;
    if (pr.next > this.log.lastIndex() + 1) pr.next = this.log.lastIndex() + 1;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      // The follower needs entries we compacted: ship the snapshot instead.
      if (!pr.recentActive || !this.snapshot) return false;
      this.send({ type: 'Snap', to, snapshot: this.snapshot });
      pr.becomeSnapshot(this.snapshot.index);
      return true;
    }
    const entries = this.log.slice(pr.next, pr.next + this.maxEntries);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: 'App', to, index: prevIndex, logTerm: prevTerm, entries, commit: this.committed });
    if (pr.state === 'replicate' && entries.length > 0) {
      const last = entries[entries.length - 1]!.index;
      pr.next = last + 1;
      pr.addInflight(last);
    } else if (pr.state === 'probe') {
      pr.probeSent = true;
    }
    return true;
  }

  private send(m: Partial<Message> & { type: MessageType; to: NodeId }): void {
    this.msgs.push({
      from: this.id,
      term: this.term,
      index: 0,
      logTerm: 0,
      commit: 0,
      reject: false,
      rejectHint: 0,
      entries: [],
      ...m,
    });
  }

  private hardStateChanged(): boolean {
    return (
      this.prevHs.term !== this.term ||
      this.prevHs.vote !== this.vote ||
      this.prevHs.commit !== this.committed
    );
  }
}

import { Random, WallTimers, type TimerHandle, type Timers } from '../../domain/src';
import { RaftNode } from './node';
import type { RaftStorage } from './storage';
import type { RaftTransport } from './transport';
import { NONE, type HardState, type Message, type NodeId, type Ready, type Role } from './types';

/**
 * The application's state, replicated by applying the same committed commands in the same order
 * on every replica. Everything here must be deterministic: same data in, same state and result
 * out (a throw included — it is handed to the proposer as a rejection and the log moves on, so
 * `apply` must not half-change the state before throwing).
 */
export interface ReplicatedStateMachine {
  /** Applies one committed command; the result goes to the proposer (on the leader that proposed it). */
  apply(data: string, index: number): unknown;
  /** The state after the last applied command, to compact the log and to ship to a lagging follower. */
  snapshot(): string;
  /** Replaces the whole state with a snapshot's image. */
  restore(data: string): void;
}

export interface RaftStatus {
  id: NodeId;
  role: Role;
  term: number;
  /** 0 when no leader is known. */
  leader: NodeId;
  commit: number;
  applied: number;
  lastIndex: number;
}

/** The proposal reached a replica that does not lead; `leader` is its hint (0: unknown). */
export class NotLeaderError extends Error {
  constructor(readonly leader: NodeId) {
    super(leader === NONE ? 'not the leader (leader unknown)' : `not the leader; try node ${leader}`);
    this.name = 'NotLeaderError';
  }
}

/**
 * Leadership was lost, the host stopped, or the entry was overwritten or swallowed by a snapshot
 * before it was applied here: the command may or may not commit. Retry only if it is idempotent.
 */
export class ProposalDroppedError extends Error {
  constructor(message = 'proposal dropped before commit: outcome unknown') {
    super(message);
    this.name = 'ProposalDroppedError';
  }
}

export interface RaftHostOptions {
  id: NodeId;
  /** Every other member (fixed membership; 3 or 5 in all). */
  peers: readonly NodeId[];
  storage: RaftStorage;
  transport: RaftTransport;
  stateMachine: ReplicatedStateMachine;
  /** Default: WallTimers. VirtualTimers (libs/sim) run the same host in simulated time. */
  timers?: Timers;
  /** Milliseconds per Raft tick. Default 10. */
  tickMs?: number;
  /** Base election timeout in ticks (actual: uniform in [e, 2e)). Default 15. */
  electionTicks?: number;
  /** Default 1. */
  heartbeatTicks?: number;
  /** Compact the log after this many applied entries. Default 10,000. */
  snapshotEvery?: number;
  /** Entries per append message. Default 512. */
  maxEntriesPerMsg?: number;
  /** Unacknowledged appends per follower. Default 64. */
  maxInflight?: number;
  /** Seeds the election-timeout randomness; default derives from the clock and id. */
  seed?: number;
  /** Called on every role, term or leader change. */
  onStatus?: (s: RaftStatus) => void;
}

/**
 * May this Ready's messages leave before its write is durable? Only a leader's, in a term (and
 * vote) already on disk: its messages are then appends, heartbeats, snapshots and rejections, none
 * of which promises anything about its own disk. A Ready that changes term or vote, or any
 * follower's or candidate's (acknowledgements, votes), waits for the fsync.
 */
export function leaderMaySendEarly(rd: Ready, durable: HardState): boolean {
  if (rd.role !== 'leader' || rd.term !== durable.term) return false;
  return !rd.hardState || (rd.hardState.term === durable.term && rd.hardState.vote === durable.vote);
}

interface Waiter {
  term: number;
  settle: (err: Error | null, value: unknown) => void;
}

/**
 * The shell that runs one RaftNode: it turns timers into ticks, transport messages into steps,
 * proposals into promises, and drains the node's Ready — persist, send, apply, advance — on a
 * later turn, so everything proposed or received in one event-loop turn lands in one Ready (one
 * fsync, one append message per follower). Inputs that arrive while a Ready is being processed
 * wait for it to finish. No I/O of its own: storage, transport and clock are injected.
 */
export class RaftHost {
  readonly id: NodeId;
  private node: RaftNode | null = null;
  private readonly timers: Timers;
  private readonly tickMs: number;
  private readonly snapshotEvery: number;
  private readonly waiting = new Map<number, Waiter>();
  private tickTimer: TimerHandle | null = null;
  private flushTimer: TimerHandle | null = null;
  /** True while the Ready loop runs (synchronously); inputs from inside it wait in `deferred`. */
  private inReady = false;
  /** The hard state known durable: may a leader send before its write is synced? */
  private durableHs: HardState = { term: 0, vote: NONE, commit: 0 };
  /** The write being synced, if any (stop waits for it before closing the storage). */
  private persisting: Promise<void> | null = null;
  /** The leader term whose proposals are pending (-1: not leading); see checkLeadership. */
  private waitKey = -1;
  private deferred: (() => void)[] = [];
  private applied = 0;
  private stopped = false;
  private random = new Random(0);
  private last: { role: Role; term: number; leader: NodeId } | null = null;
  /**
   * The previous compaction point's image: the log is compacted to it (not to the latest
   * applied index), so a tail of at least `snapshotEvery` entries stays for followers that lag a
   * little and need appends rather than a whole snapshot.
   */
  private stash: { index: number; data: string } | null = null;

  constructor(private readonly opts: RaftHostOptions) {
    this.id = opts.id;
    if (opts.peers.includes(opts.id)) throw new Error(`peers must not include the node itself (${opts.id})`);
    this.timers = opts.timers ?? new WallTimers();
    this.tickMs = opts.tickMs ?? 10;
    this.snapshotEvery = opts.snapshotEvery ?? 10_000;
    if (!(this.tickMs > 0)) throw new Error(`tickMs must be positive, got ${this.tickMs}`);
    if (!(this.snapshotEvery >= 1)) throw new Error(`snapshotEvery must be >= 1, got ${this.snapshotEvery}`);
  }

  /** Loads the durable state, restores the state machine from the snapshot and starts ticking. */
  start(): void {
    if (this.node) throw new Error('host already started');
    if (this.stopped) throw new Error('a stopped host cannot restart: build a new one');
    const o = this.opts;
    const seed = o.seed ?? (Math.floor(this.timers.now()) ^ (o.id * 2654435761)) >>> 0;
    // Separate streams: the peer-down jitter must not shift the election timeouts of a seed.
    this.random = new Random(seed).fork('peer-down');
    const init = o.storage.load();
    this.node = new RaftNode(
      {
        id: o.id,
        members: [o.id, ...o.peers],
        random: new Random(seed),
        electionTick: o.electionTicks ?? 15,
        heartbeatTick: o.heartbeatTicks ?? 1,
        maxEntriesPerMsg: o.maxEntriesPerMsg ?? 512,
        maxInflight: o.maxInflight ?? 64,
        preVote: true,
        checkQuorum: true,
      },
      init,
    );
    if (init.snapshot) {
      o.stateMachine.restore(init.snapshot.data);
      this.stash = { index: init.snapshot.index, data: init.snapshot.data };
    }
    this.applied = this.node.applied;
    this.durableHs = { ...init.hardState };
    o.transport.onMessage((m) => this.receive(m));
    o.transport.onPeerDown?.((p) => this.peerDown(p));
    this.scheduleTick();
    // Committed entries after the snapshot are replayed by the first Ready.
    this.scheduleFlush();
    this.emitStatus();
  }

  /** Stops ticking and receiving; pending proposals fail with ProposalDroppedError. Closes transport and storage. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer) this.timers.clearTimer(this.tickTimer);
    if (this.flushTimer) this.timers.clearTimer(this.flushTimer);
    this.tickTimer = this.flushTimer = null;
    this.deferred = [];
    this.dropWaiters(() => true, 'host stopped: outcome unknown');
    await this.opts.transport.close();
    await this.persisting?.catch(() => {});
    this.opts.storage.close?.();
  }

  /** Resolves with the state machine's result once the command is committed and applied here. */
  propose(data: string): Promise<unknown> {
    return this.proposeMany([data]).then((r) => r[0]);
  }

  /** Proposes the commands as one batch (consecutive entries); resolves when all are applied. */
  proposeMany(data: readonly string[]): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      if (data.some((d) => typeof d !== 'string' || d === '')) {
        reject(new TypeError("commands must be non-empty strings ('' is the leader's no-op)"));
        return;
      }
      if (data.length === 0) {
        resolve([]);
        return;
      }
      const results = new Array<unknown>(data.length);
      let left = data.length;
      let failed = false;
      const settleOne = (pos: number) => (err: Error | null, value: unknown) => {
        if (failed) return;
        if (err) {
          failed = true;
          reject(err);
          return;
        }
        results[pos] = value;
        if (--left === 0) resolve(results);
      };
      this.input((n) => {
        if (this.stopped) return reject(new ProposalDroppedError('host stopped'));
        if (n.role !== 'leader') return reject(new NotLeaderError(n.leader));
        for (let i = 0; i < data.length; i++) {
          const p = n.propose(data[i]!)!;
          this.waiting.set(p.index, { term: p.term, settle: settleOne(i) });
        }
      });
    });
  }

  status(): RaftStatus {
    const n = this.node;
    if (!n)
      return { id: this.id, role: 'follower', term: 0, leader: NONE, commit: 0, applied: 0, lastIndex: 0 };
    return {
      id: this.id,
      role: n.role,
      term: n.term,
      leader: n.leader,
      commit: n.committed,
      applied: this.applied,
      lastIndex: n.log.lastIndex(),
    };
  }

  /** Starts an election now (tests and benchmarks); a leader ignores it. */
  campaign(): void {
    this.input((n) => n.campaignNow());
  }

  // ---- inputs ----

  /**
   * The transport saw the leader's connection drop (kill -9 closes its sockets at once): campaign
   * now rather than after an election timeout. Followers wait a random moment first, so they do
   * not split the vote, and campaigns go through pre-vote: a follower still hearing from a live
   * leader refuses them, so a dropped connection alone cannot depose a healthy leader.
   */
  private peerDown(peer: NodeId): void {
    const n = this.node;
    if (!n || this.stopped || n.role !== 'follower' || n.leader !== peer) return;
    const ticks = Math.max(1, Math.floor((this.opts.electionTicks ?? 15) / 3));
    this.timers.setTimer(this.random.int(ticks * this.tickMs), () => {
      if (this.stopped) return;
      this.input((x) => {
        if (x.role === 'follower' && x.leader === peer) x.campaignNow();
      });
    });
  }

  private receive(m: Message): void {
    // The transport validated the shape; membership and addressing are this node's business.
    if (m.to !== this.id || !this.opts.peers.includes(m.from)) return;
    this.input((n) => n.step(m));
  }

  private scheduleTick(): void {
    this.tickTimer = this.timers.setTimer(this.tickMs, () => {
      if (this.stopped) return;
      this.scheduleTick();
      this.input((n) => n.tick());
    });
  }

  /** Runs an input against the node now (or after the Ready in progress) and schedules a flush. */
  private input(fn: (n: RaftNode) => void): void {
    const n = this.node;
    if (!n || this.stopped) {
      fn(n ?? this.unstarted());
      return;
    }
    if (this.inReady) {
      // Called from inside the Ready loop (a state machine proposing, say): after this Ready.
      this.deferred.push(() => fn(n));
      return;
    }
    fn(n);
    // While a write syncs, the loop resumes by itself and takes this input into the next Ready.
    if (!this.persisting) this.scheduleFlush();
  }

  private unstarted(): never {
    throw new Error('RaftHost.start() has not been called');
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.stopped) return;
    this.flushTimer = this.timers.setTimer(0, () => {
      this.flushTimer = null;
      this.flush();
    });
  }

  // ---- the Ready loop ----

  private flush(): void {
    const n = this.node;
    if (!n || this.stopped || this.inReady || this.persisting) return;
    this.pump(n, null, false);
  }

  /**
   * Drains Readies until there are none. With `saveAsync` storage the loop suspends while a
   * write is synced and resumes when it is durable; the node meanwhile keeps stepping messages,
   * ticks and proposals (as etcd's node does between Ready and Advance), which all go into the
   * next Ready: group commit. Nothing of a Ready is sent or applied before its write is durable
   * — except a leader's own appends (below) — and no Ready is taken before the last is advanced.
   */
  private pump(n: RaftNode, synced: Ready | null, sentEarly: boolean): void {
    const store = this.opts.storage;
    this.inReady = true;
    try {
      if (synced) this.finishReady(n, synced, sentEarly);
      for (;;) {
        if (this.stopped) return;
        if (this.deferred.length > 0) {
          this.runDeferred();
          continue;
        }
        if (!n.hasReady()) break;
        const rd = n.ready();
        // A leader may send its appends while its own write syncs (Raft thesis §10.2.1): it
        // counts itself toward a commit only for entries on its disk.
        const early = leaderMaySendEarly(rd, this.durableHs);
        if (early) for (const m of rd.messages) this.opts.transport.send(m);
        // 1. Durable first: a vote or an acknowledged entry must survive a crash.
        if (rd.snapshot || rd.entries.length > 0 || rd.hardState) {
          const w = { snapshot: rd.snapshot, entries: rd.entries, hardState: rd.hardState };
          if (store.saveAsync) {
            this.persisting = store.saveAsync(w).then(() => {
              this.persisting = null;
              if (rd.hardState) this.durableHs = rd.hardState;
              // A write error rejects this promise unhandled: the process stops (fail-stop).
              if (!this.stopped) this.pump(n, rd, early);
            });
            // Inputs held back by this loop go in now, in order, not after later ones.
            this.runDeferred();
            return;
          }
          store.save(w);
          if (rd.hardState) this.durableHs = rd.hardState;
        }
        this.finishReady(n, rd, early);
      }
    } finally {
      this.inReady = false;
    }
    // Some changes leave no Ready (a leader stepping down for want of a quorum).
    this.checkLeadership(n);
  }

  private runDeferred(): void {
    while (this.deferred.length > 0) {
      const fns = this.deferred;
      this.deferred = [];
      for (const fn of fns) fn();
    }
  }

  private finishReady(n: RaftNode, rd: Ready, sent: boolean): void {
    const o = this.opts;
    // 2. Then the messages.
    if (!sent) for (const m of rd.messages) o.transport.send(m);
    // 3. Then apply: a snapshot newer than the state machine replaces it.
    if (rd.snapshot && rd.snapshot.index > this.applied) {
      o.stateMachine.restore(rd.snapshot.data);
      this.applied = rd.snapshot.index;
      this.stash = { index: rd.snapshot.index, data: rd.snapshot.data };
      this.dropWaiters(
        (i) => i <= rd.snapshot!.index,
        'entry covered by an installed snapshot: outcome unknown',
      );
    }
    for (const e of rd.committedEntries) {
      if (e.index <= this.applied) continue;
      this.applied = e.index;
      const w = this.waiting.get(e.index);
      if (w) this.waiting.delete(e.index);
      if (e.data === '') {
        w?.settle(new ProposalDroppedError('entry overwritten by a new leader'), undefined);
        continue;
      }
      let result: unknown;
      let error: Error | null = null;
      try {
        result = o.stateMachine.apply(e.data, e.index);
      } catch (err) {
        error = err instanceof Error ? err : new Error(String(err));
      }
      if (!w) continue;
      if (w.term !== e.term)
        w.settle(new ProposalDroppedError('entry overwritten by a new leader'), undefined);
      else w.settle(error, result);
    }
    // 4. Done.
    n.advance(rd);
    this.maybeCompact(n);
    this.checkLeadership(n);
  }

  private maybeCompact(n: RaftNode): void {
    if (this.applied - (this.stash?.index ?? 0) < this.snapshotEvery) return;
    if (this.stash && this.stash.index > n.log.snapIndex) n.compact(this.stash.index, this.stash.data);
    this.stash = { index: this.applied, data: this.opts.stateMachine.snapshot() };
  }

  /** After each Ready: fail proposals whose outcome this host can no longer learn, report changes. */
  private checkLeadership(n: RaftNode): void {
    // Waiters are only added while leading, with the current term: scan them only when that changes.
    const key = n.role === 'leader' ? n.term : -1;
    if (key !== this.waitKey) {
      this.waitKey = key;
      // A proposal of an older term may still commit under a new leader, but this host can no
      // longer tell: its outcome is unknown.
      if (this.waiting.size > 0) this.dropWaiters((_, w) => w.term !== key);
    }
    this.emitStatus();
  }

  private dropWaiters(which: (index: number, w: Waiter) => boolean, why?: string): void {
    let err: ProposalDroppedError | null = null; // one error for all: a stack trace each is costly
    for (const [i, w] of this.waiting) {
      if (!which(i, w)) continue;
      this.waiting.delete(i);
      w.settle((err ??= new ProposalDroppedError(why)), undefined);
    }
  }

  private emitStatus(): void {
    const n = this.node;
    if (!n) return;
    const l = this.last;
    if (l && l.role === n.role && l.term === n.term && l.leader === n.leader) return;
    this.last = { role: n.role, term: n.term, leader: n.leader };
    this.opts.onStatus?.(this.status());
  }
}

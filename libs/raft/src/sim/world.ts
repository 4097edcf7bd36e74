import { MinHeap } from '../../../collections/src';
import { Random } from '../../../domain/src';
import { checkOperations, kvModel, type KvInput, type KvOutput, type Operation } from '../linearizability';
import { RaftNode, type RaftConfig } from '../node';
import { MemoryStorage } from '../storage';
import { leaderMaySendEarly } from '../host';
import {
  EMPTY_HARD_STATE,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type Ready,
} from '../types';
import { KvStateMachine, type KvCommand } from './kv';

/** One tick of Raft time in simulated milliseconds. */
const TICK = 10;
const KEYS = ['a', 'b', 'c'];

export interface SimOptions {
  seed: number;
  nodes: 3 | 5;
  trace?: boolean;
  /** Include heartbeats in the trace (they are most of it). */
  traceHeartbeats?: boolean;
  /** Simulated ms of faults, then of healed running (liveness). */
  chaosMs?: number;
  healMs?: number;
  clients?: number;
  /** Applied entries between snapshots. */
  snapshotEvery?: number;
  /** Deliberately broken variants, to show that the checks can fail. */
  bug?: Partial<Record<'noVotePersist' | 'sendBeforeSync' | 'earlySendAnyRole', boolean>>;
  /**
   * The host as RaftHost runs it with async storage: inputs are stepped while a Ready is being
   * synced (not held back), and a leader sends its appends before its own write is durable.
   */
  pipelined?: boolean;
  raft?: Partial<RaftConfig>;
}

export interface SimResult {
  seed: number;
  nodes: number;
  failures: string[];
  trace: string[];
  stats: Record<string, number>;
  history: Operation<KvInput, KvOutput>[];
}

type Event =
  | { kind: 'tick'; node: NodeId; epoch: number }
  | { kind: 'deliver'; msg: Message }
  | { kind: 'synced'; node: NodeId; epoch: number }
  | { kind: 'client'; client: number }
  | { kind: 'timeout'; client: number; op: number }
  | { kind: 'retry'; op: number }
  | { kind: 'fault' }
  | { kind: 'restart'; node: NodeId; epoch: number }
  | { kind: 'heal' };

interface Scheduled {
  at: number;
  seq: number;
  ev: Event;
}

interface Host {
  id: NodeId;
  raft: RaftNode | null;
  storage: MemoryStorage;
  sm: KvStateMachine;
  epoch: number;
  /** A Ready being persisted: inputs wait until it is synced and advanced. */
  inflight: Ready | null;
  deferred: (() => void)[];
  /** Proposals made through this node: index -> (term, client op id). */
  waiting: Map<number, { term: number; op: number }>;
  wasLeader: boolean;
  /** The hard state on disk (pipelined mode: may a leader send before its write is synced?). */
  durableHs: HardState;
  sentEarly: boolean;
}

interface ClientOp {
  id: number;
  client: number;
  input: KvInput;
  call: number;
  node: NodeId | null;
}

/**
 * A deterministic cluster: N Raft nodes with in-memory storage on a seeded network (loss, delay,
 * duplication, reordering, symmetric and asymmetric partitions), crashes that lose unsynced
 * writes, restarts, and clients running a key-value workload. Every safety property is checked
 * after every event; the client history is checked for linearizability at the end.
 */
export class World {
  private now = 0;
  private seq = 0;
  private readonly queue = new MinHeap<Scheduled>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  private readonly rng: Random;
  private readonly netRng: Random;
  private readonly faultRng: Random;
  private readonly clientRng: Random;
  private readonly hosts = new Map<NodeId, Host>();
  private readonly ids: NodeId[];
  readonly failures: string[] = [];
  readonly trace: string[] = [];
  readonly stats: Record<string, number> = {};
  readonly history: Operation<KvInput, KvOutput>[] = [];

  // network state
  private blocked = new Set<string>(); // "from>to"
  private loss = 0;
  private dup = 0;
  private maxDelay = 20;
  private healed = false;

  // safety bookkeeping
  private readonly leaders = new Map<number, NodeId>();
  private readonly entryRegistry = new Map<string, { data: string; prevTerm: number }>();
  private readonly committed = new Map<number, { term: number; data: string }>();
  private readonly images = new Map<number, string>();

  // clients
  private readonly pending = new Map<number, ClientOp>();
  private readonly clientOp = new Map<number, number | null>();
  private readonly leaderHint = new Map<number, NodeId>();
  private order = 0;
  private nextOpId = 1;
  private putSeq = 0;
  private succeededAfterHeal = 0;

  constructor(private readonly opts: SimOptions) {
    this.rng = new Random(opts.seed);
    this.netRng = this.rng.fork('net');
    this.faultRng = this.rng.fork('faults');
    this.clientRng = this.rng.fork('clients');
    this.ids = Array.from({ length: opts.nodes }, (_, i) => i + 1);
    for (const id of this.ids) {
      const host: Host = {
        id,
        raft: null,
        storage: new MemoryStorage(),
        sm: new KvStateMachine(),
        epoch: 0,
        inflight: null,
        deferred: [],
        waiting: new Map(),
        wasLeader: false,
        durableHs: { ...EMPTY_HARD_STATE },
        sentEarly: false,
      };
      this.hosts.set(id, host);
      this.start(host);
    }
  }

  run(): SimResult {
    const chaos = this.opts.chaosMs ?? 2000;
    const heal = this.opts.healMs ?? 1200;
    const clients = this.opts.clients ?? 3;
    for (let c = 1; c <= clients; c++) {
      this.clientOp.set(c, null);
      this.schedule(this.clientRng.int(50), { kind: 'client', client: c });
    }
    this.schedule(50 + this.faultRng.int(200), { kind: 'fault' });
    this.schedule(chaos, { kind: 'heal' });
    const end = chaos + heal;
    while (this.queue.length > 0 && this.failures.length === 0) {
      const top = this.queue.peek()!;
      if (top.at > end) break;
      this.queue.pop();
      this.now = top.at;
      try {
        this.handle(top.ev);
      } catch (e) {
        this.fail(`exception: ${(e as Error).stack ?? String(e)}`);
      }
    }
    if (this.failures.length === 0) this.finalChecks();
    return {
      seed: this.opts.seed,
      nodes: this.opts.nodes,
      failures: this.failures,
      trace: this.trace,
      stats: this.stats,
      history: this.history,
    };
  }

  // ---- events ----

  private schedule(delay: number, ev: Event): void {
    this.queue.push({ at: this.now + delay, seq: ++this.seq, ev });
  }

  private handle(ev: Event): void {
    switch (ev.kind) {
      case 'tick': {
        const h = this.hosts.get(ev.node)!;
        if (h.epoch !== ev.epoch || !h.raft) return;
        this.schedule(TICK, ev);
        this.input(h, (r) => r.tick());
        return;
      }
      case 'deliver': {
        const h = this.hosts.get(ev.msg.to)!;
        if (!h.raft) return;
        this.count('delivered');
        if (this.opts.trace && (this.opts.traceHeartbeats || !ev.msg.type.startsWith('Heartbeat')))
          this.log(`n${ev.msg.from}->n${ev.msg.to} ${describe(ev.msg)}`);
        this.input(h, (r) => r.step(ev.msg));
        return;
      }
      case 'synced': {
        const h = this.hosts.get(ev.node)!;
        if (h.epoch !== ev.epoch || !h.raft || !h.inflight) return;
        this.finishReady(h);
        return;
      }
      case 'client':
        this.clientStep(ev.client);
        return;
      case 'retry': {
        const op = this.pending.get(ev.op);
        if (op && op.node === null) this.trySubmit(op);
        return;
      }
      case 'timeout': {
        const op = this.pending.get(ev.op);
        if (op) this.unknown(op, 'timeout');
        return;
      }
      case 'fault':
        if (!this.healed) {
          this.injectFault();
          this.schedule(50 + this.faultRng.int(300), { kind: 'fault' });
        }
        return;
      case 'heal':
        this.heal();
        return;
      case 'restart': {
        const h = this.hosts.get(ev.node)!;
        if (h.raft || h.epoch !== ev.epoch) return;
        this.count('restarts');
        this.start(h);
        return;
      }
    }
  }

  private start(h: Host): void {
    const init = h.storage.load();
    const cfg: RaftConfig = {
      id: h.id,
      members: this.ids,
      random: this.rng.fork(`node${h.id}.${h.epoch}`),
      electionTick: 10,
      heartbeatTick: 1,
      maxEntriesPerMsg: 8,
      maxInflight: 4,
      ...this.opts.raft,
    };
    h.raft = new RaftNode(cfg, init);
    h.durableHs = { ...init.hardState };
    // What came back from the disk must agree with every other node too.
    this.checkNewEntries(h, h.raft.log.entries);
    h.sm = new KvStateMachine();
    if (init.snapshot) h.sm.restore(init.snapshot);
    h.inflight = null;
    h.deferred = [];
    h.waiting.clear();
    h.wasLeader = false;
    if (this.opts.trace)
      this.log(
        `n${h.id} start term=${init.hardState.term} vote=${init.hardState.vote} commit=${init.hardState.commit} ` +
          `snap=${init.snapshot?.index ?? 0} last=${h.raft.log.lastIndex()}`,
      );
    this.schedule(1 + this.rng.int(TICK), { kind: 'tick', node: h.id, epoch: h.epoch });
    this.pump(h);
  }

  private crash(h: Host): void {
    if (!h.raft) return;
    const lost = h.storage.crash(this.faultRng);
    this.count('crashes');
    if (lost > 0) this.count('lostUnsyncedWrites');
    if (this.opts.trace) this.log(`n${h.id} CRASH (lost ${lost} unsynced writes)`);
    h.raft = null;
    h.epoch++;
    h.inflight = null;
    h.deferred = [];
    for (const w of h.waiting.values()) {
      const op = this.pending.get(w.op);
      if (op) this.unknown(op, 'crash');
    }
    h.waiting.clear();
    this.checkDurability();
  }

  /**
   * No committed entry is lost: each is durable (in the log or under the snapshot) on a majority
   * of disks, crashed nodes included. Checked after every crash, when unsynced writes vanish.
   */
  private checkDurability(): void {
    const disks = this.ids.map((id) => {
      const st = this.hosts.get(id)!.storage.load();
      const terms = new Map<number, number>();
      for (const e of st.entries) terms.set(e.index, e.term);
      return { snap: st.snapshot?.index ?? 0, terms };
    });
    const quorum = Math.floor(this.ids.length / 2) + 1;
    for (const [index, c] of this.committed) {
      const holders = disks.filter((d) => index <= d.snap || d.terms.get(index) === c.term).length;
      if (holders < quorum) this.fail(`committed entry ${index}/t${c.term} durable on only ${holders} disks`);
    }
  }

  /** Runs an input now, or after the Ready being persisted, then drains new Ready work. */
  private input(h: Host, fn: (r: RaftNode) => void): void {
    if (h.inflight && this.opts.pipelined) {
      fn(h.raft!);
      this.afterInput(h);
      return;
    }
    if (h.inflight) {
      h.deferred.push(() => fn(h.raft!));
      return;
    }
    fn(h.raft!);
    this.afterInput(h);
    this.pump(h);
  }

  /** Safety checks that look at a node's volatile state after each input. */
  private afterInput(h: Host): void {
    const r = h.raft!;
    if (r.role === 'leader') {
      const other = this.leaders.get(r.term);
      if (other !== undefined && other !== h.id)
        this.fail(`election safety: n${other} and n${h.id} lead term ${r.term}`);
      this.leaders.set(r.term, h.id);
      if (!h.wasLeader) {
        h.wasLeader = true;
        this.count('elections');
        if (this.opts.trace) this.log(`n${h.id} LEADER term ${r.term} last=${r.log.lastIndex()}`);
        this.checkLeaderCompleteness(h);
      }
    } else if (h.wasLeader) {
      h.wasLeader = false;
      if (this.opts.trace) this.log(`n${h.id} steps down (term ${r.term}, ${r.role})`);
    }
  }

  private pump(h: Host): void {
    const r = h.raft!;
    if (h.inflight || !r.hasReady()) return;
    const rd = r.ready();
    this.checkNewEntries(h, rd.entries);
    const w = { snapshot: rd.snapshot, entries: rd.entries, hardState: rd.hardState };
    if (this.opts.bug?.noVotePersist && w.hardState) {
      // Broken on purpose: the vote never reaches the disk.
      const prev = h.storage.load().hardState;
      w.hardState = { ...w.hardState, vote: prev.term === w.hardState.term ? prev.vote : 0 };
    }
    h.storage.write(w);
    h.inflight = rd;
    // Broken on purpose (earlySendAnyRole): followers and candidates send before the fsync too.
    h.sentEarly =
      !!this.opts.pipelined && (!!this.opts.bug?.earlySendAnyRole || leaderMaySendEarly(rd, h.durableHs));
    if (h.sentEarly) for (const m of rd.messages) this.send(m);
    // Broken on purpose: messages leave before the write is durable.
    if (this.opts.bug?.sendBeforeSync) for (const m of rd.messages) this.send(m);
    // An fsync takes a moment; a crash in that window loses (part of) the write.
    this.schedule(this.rng.int(3), { kind: 'synced', node: h.id, epoch: h.epoch });
  }

  private finishReady(h: Host): void {
    const rd = h.inflight!;
    const r = h.raft!;
    h.storage.sync();
    if (rd.hardState) h.durableHs = rd.hardState;
    if (!this.opts.bug?.sendBeforeSync && !h.sentEarly) for (const m of rd.messages) this.send(m);
    if (rd.snapshot && rd.snapshot.index > h.sm.applied) {
      h.sm.restore(rd.snapshot);
      this.count('snapshotsInstalled');
      if (this.opts.trace) this.log(`n${h.id} installs snapshot @${rd.snapshot.index}`);
      this.checkImage(h);
      for (const [index, w] of h.waiting) {
        if (index <= rd.snapshot.index) {
          h.waiting.delete(index);
          const op = this.pending.get(w.op);
          if (op) this.unknown(op, 'snapshot');
        }
      }
    }
    for (const e of rd.committedEntries) this.applyEntry(h, e);
    r.advance(rd);
    h.inflight = null;
    const every = this.opts.snapshotEvery ?? 25;
    if (h.sm.applied - r.log.snapIndex >= every) {
      // Keep a short tail of entries so a slightly lagging follower still gets appends; the
      // image at that index is known (checkImage recorded it and checked every node agrees).
      const tail = this.images.get(h.sm.applied - 5);
      if (tail !== undefined) r.compact(h.sm.applied - 5, tail);
      else r.compact(h.sm.applied, h.sm.image());
      this.count('compactions');
    }
    this.afterInput(h);
    while (!h.inflight && h.deferred.length > 0 && h.raft) {
      const fn = h.deferred.shift()!;
      fn();
      this.afterInput(h);
      this.pump(h);
    }
    this.pump(h);
  }

  private applyEntry(h: Host, e: Entry): void {
    const known = this.committed.get(e.index);
    if (known && (known.term !== e.term || known.data !== e.data))
      this.fail(
        `state machine safety: n${h.id} applies ${e.index}/t${e.term} but t${known.term} was committed`,
      );
    if (!known) this.committed.set(e.index, { term: e.term, data: e.data });
    const res = h.sm.apply(e);
    this.checkImage(h);
    const w = h.waiting.get(e.index);
    if (!w) return;
    h.waiting.delete(e.index);
    const op = this.pending.get(w.op);
    if (!op) return;
    if (w.term === e.term && res && res.cmd.id === op.id) this.complete(op, res.value);
    else this.failedOp(op);
  }

  /** Two nodes at the same applied index must hold the same state. */
  private checkImage(h: Host): void {
    const img = h.sm.image();
    const known = this.images.get(h.sm.applied);
    if (known === undefined) this.images.set(h.sm.applied, img);
    else if (known !== img) this.fail(`state machine safety: n${h.id} state at ${h.sm.applied} differs`);
  }

  /** Log matching: an (index, term) pair names one entry, and the same preceding term, everywhere. */
  private checkNewEntries(h: Host, entries: Entry[]): void {
    const log = h.raft!.log;
    for (const e of entries) {
      const prevTerm = log.term(e.index - 1) ?? -1;
      const key = `${e.index}:${e.term}`;
      const known = this.entryRegistry.get(key);
      if (!known) this.entryRegistry.set(key, { data: e.data, prevTerm });
      else if (
        known.data !== e.data ||
        (prevTerm !== -1 && known.prevTerm !== -1 && known.prevTerm !== prevTerm)
      )
        this.fail(`log matching: n${h.id} holds a different entry at ${key}`);
    }
  }

  /** Every entry committed so far is in a new leader's log (or under its snapshot). */
  private checkLeaderCompleteness(h: Host): void {
    const log = h.raft!.log;
    for (const [index, c] of this.committed) {
      if (index <= log.snapIndex) continue;
      const t = log.term(index);
      if (t !== c.term)
        this.fail(
          `leader completeness: n${h.id} leads term ${h.raft!.term} without committed entry ${index}/t${c.term}`,
        );
    }
  }

  // ---- network ----

  private send(m: Message): void {
    this.count('sent');
    if (this.blocked.has(`${m.from}>${m.to}`)) return this.count('netPartitioned');
    if (this.netRng.chance(this.loss)) return this.count('netLost');
    const copies = this.netRng.chance(this.dup) ? 2 : 1;
    if (copies === 2) this.count('netDuplicated');
    for (let i = 0; i < copies; i++) {
      // Mostly short delays; now and then a long one, which reorders.
      const delay = this.netRng.chance(0.05) ? 30 + this.netRng.int(120) : 1 + this.netRng.int(this.maxDelay);
      this.schedule(delay, { kind: 'deliver', msg: m });
    }
  }

  private injectFault(): void {
    const f = this.faultRng.int(8);
    const live = this.ids.filter((id) => this.hosts.get(id)!.raft);
    const down = this.ids.filter((id) => !this.hosts.get(id)!.raft);
    switch (f) {
      case 0: {
        // Symmetric partition into two sides.
        this.blocked.clear();
        const side = new Set(this.ids.filter(() => this.faultRng.chance(0.5)));
        for (const a of this.ids)
          for (const b of this.ids) if (side.has(a) !== side.has(b)) this.blocked.add(`${a}>${b}`);
        this.count('partitions');
        if (this.opts.trace) this.log(`PARTITION {${[...side].join(',')}} | rest`);
        break;
      }
      case 1: {
        // Asymmetric: some directed links fail.
        this.blocked.clear();
        for (const a of this.ids)
          for (const b of this.ids) if (a !== b && this.faultRng.chance(0.25)) this.blocked.add(`${a}>${b}`);
        this.count('asymmetricPartitions');
        if (this.opts.trace) this.log(`ASYMMETRIC blocked ${[...this.blocked].join(' ')}`);
        break;
      }
      case 2:
        this.blocked.clear();
        if (this.opts.trace) this.log('partitions healed');
        break;
      case 3:
      case 4: {
        // Half the time, crash a node mid-fsync, where unsynced writes are lost.
        // Or a voter mid-election, whose vote must survive the crash.
        const writing = live.filter((id) => this.hosts.get(id)!.inflight);
        const voters = live.filter((id) => {
          const r = this.hosts.get(id)!.raft!;
          return r.role === 'follower' && r.leader === 0 && r.vote !== 0;
        });
        const pick = this.faultRng.int(3);
        const pool =
          pick === 0 && writing.length > 0 ? writing : pick === 1 && voters.length > 0 ? voters : live;
        if (pool.length > 0) {
          const h = this.hosts.get(this.faultRng.pick(pool))!;
          this.crash(h);
          // Often a quick restart (a process supervisor), which is when a forgotten vote bites.
          if (this.faultRng.chance(0.5))
            this.schedule(1 + this.faultRng.int(60), { kind: 'restart', node: h.id, epoch: h.epoch });
        }
        break;
      }
      case 5:
        if (down.length > 0) {
          const h = this.hosts.get(this.faultRng.pick(down))!;
          this.count('restarts');
          this.start(h);
        }
        break;
      case 6:
        this.loss = this.faultRng.pick([0, 0.02, 0.1, 0.3]);
        this.dup = this.faultRng.pick([0, 0.02, 0.1]);
        if (this.opts.trace) this.log(`network loss=${this.loss} dup=${this.dup}`);
        break;
      case 7:
        this.maxDelay = this.faultRng.pick([5, 20, 60]);
        break;
    }
  }

  private heal(): void {
    this.healed = true;
    this.blocked.clear();
    this.loss = 0;
    this.dup = 0;
    this.maxDelay = 20;
    if (this.opts.trace) this.log('HEAL: all links up, crashed nodes restart');
    for (const h of this.hosts.values()) {
      if (!h.raft) {
        this.count('restarts');
        this.start(h);
      }
    }
  }

  // ---- clients ----

  private clientStep(client: number): void {
    const current = this.clientOp.get(client);
    if (current !== null && current !== undefined) return; // still waiting; a result reschedules us
    const quiet = (this.opts.chaosMs ?? 2000) + (this.opts.healMs ?? 1200) - 300;
    if (this.now >= quiet) return; // let the cluster settle before the final checks
    const key = this.clientRng.pick(KEYS);
    const input: KvInput = this.clientRng.chance(0.5)
      ? { op: 'put', key, value: `v${++this.putSeq}` }
      : { op: 'get', key };
    const op: ClientOp = { id: this.nextOpId++, client, input, call: ++this.order, node: null };
    this.pending.set(op.id, op);
    this.clientOp.set(client, op.id);
    this.schedule(400, { kind: 'timeout', client, op: op.id });
    this.trySubmit(op);
  }

  private trySubmit(op: ClientOp): void {
    if (!this.pending.has(op.id)) return;
    const hint = this.leaderHint.get(op.client);
    const target = hint && this.hosts.get(hint)!.raft ? hint : this.clientRng.pick(this.ids);
    const h = this.hosts.get(target)!;
    const r = h.raft;
    if (!r || r.role !== 'leader') {
      if (r && r.leader && r.leader !== target) this.leaderHint.set(op.client, r.leader);
      else this.leaderHint.delete(op.client);
      // Not proposed anywhere yet: safe to try again elsewhere.
      this.queueRetry(op);
      return;
    }
    const cmd: KvCommand = {
      id: op.id,
      client: op.client,
      op: op.input.op,
      key: op.input.key,
      ...(op.input.op === 'put' ? { value: op.input.value } : {}),
    };
    op.node = target;
    this.input(h, (node) => {
      const p = node.propose(JSON.stringify(cmd));
      if (!p) {
        op.node = null;
        this.queueRetry(op);
        return;
      }
      h.waiting.set(p.index, { term: p.term, op: op.id });
      this.leaderHint.set(op.client, target);
      if (this.opts.trace)
        this.log(`c${op.client} op${op.id} ${opText(op.input)} proposed at n${target} ${p.index}/t${p.term}`);
      this.count('proposed');
    });
  }

  private queueRetry(op: ClientOp): void {
    this.schedule(5 + this.clientRng.int(10), { kind: 'retry', op: op.id });
  }

  private complete(op: ClientOp, value: string): void {
    this.pending.delete(op.id);
    this.history.push({
      client: op.client,
      input: op.input,
      output: { value },
      call: op.call,
      return: ++this.order,
    });
    this.count('opsOk');
    if (this.healed) this.succeededAfterHeal++;
    this.next(op.client);
  }

  /** A different entry was committed at the proposal's index: the op definitely did not happen. */
  private failedOp(op: ClientOp): void {
    this.pending.delete(op.id);
    this.count('opsFailed');
    if (this.opts.trace)
      this.log(`c${op.client} op${op.id} ${opText(op.input)} -> failed (another entry committed)`);
    this.next(op.client);
  }

  /** The op may or may not have happened: a put stays in the history with no return; a get is dropped. */
  private unknown(op: ClientOp, why: string): void {
    this.pending.delete(op.id);
    if (op.input.op === 'put')
      this.history.push({
        client: op.client,
        input: op.input,
        output: { value: '' },
        call: op.call,
        return: Infinity,
      });
    this.count(`opsUnknown_${why}`);
    if (this.opts.trace) this.log(`c${op.client} op${op.id} ${opText(op.input)} -> unknown (${why})`);
    this.next(op.client);
  }

  private next(client: number): void {
    this.clientOp.set(client, null);
    this.schedule(1 + this.clientRng.int(30), { kind: 'client', client });
  }

  // ---- final checks ----

  private finalChecks(): void {
    const live = [...this.hosts.values()].filter((h) => h.raft);
    const leaders = live.filter((h) => h.raft!.role === 'leader');
    if (leaders.length !== 1) {
      this.fail(`liveness: ${leaders.length} leaders after healing`);
      return;
    }
    const leader = leaders[0]!.raft!;
    for (const h of live) {
      if (h.sm.applied !== leader.committed)
        this.fail(`liveness: n${h.id} applied ${h.sm.applied}, leader committed ${leader.committed}`);
    }
    if (this.succeededAfterHeal === 0) this.fail('liveness: no client operation succeeded after healing');
    for (const [index, c] of this.committed) {
      if (index <= leader.log.snapIndex) continue;
      if (leader.log.term(index) !== c.term) this.fail(`committed entry ${index} lost`);
    }
    const res = checkOperations(kvModel, this.history);
    this.count(`linearizability_${res}`);
    if (res === 'illegal') this.fail('history is not linearizable');
  }

  private fail(msg: string): void {
    this.failures.push(`t=${this.now} ${msg}`);
    if (this.opts.trace) this.log(`FAIL ${msg}`);
  }

  private count(k: string): void {
    this.stats[k] = (this.stats[k] ?? 0) + 1;
  }

  private log(s: string): void {
    this.trace.push(`[${String(this.now).padStart(6)}] ${s}`);
  }
}

function opText(i: KvInput): string {
  return i.op === 'put' ? `put(${i.key},${i.value})` : `get(${i.key})`;
}

function describe(m: Message): string {
  switch (m.type) {
    case 'App':
      return `App t${m.term} prev=${m.index}/t${m.logTerm} +${m.entries.length} commit=${m.commit}`;
    case 'AppResp':
      return m.reject
        ? `AppResp t${m.term} REJECT ${m.index} hint=${m.rejectHint}/t${m.logTerm}`
        : `AppResp t${m.term} match=${m.index}`;
    case 'Vote':
    case 'PreVote':
      return `${m.type} t${m.term} last=${m.index}/t${m.logTerm}`;
    case 'VoteResp':
    case 'PreVoteResp':
      return `${m.type} t${m.term} ${m.reject ? 'REJECT' : 'grant'}`;
    case 'Heartbeat':
      return `Heartbeat t${m.term} commit=${m.commit}`;
    case 'Snap':
      return `Snap t${m.term} @${m.snapshot?.index}`;
    default:
      return `${m.type} t${m.term}`;
  }
}

export function runSim(opts: SimOptions): SimResult {
  return new World(opts).run();
}

import type { Timers } from '../../domain/src';
import type { RaftHost } from '../../raft/src/host';
import { MemoryStorage } from '../../raft/src/storage';
import { LocalNetwork } from '../../raft/src/transport';
import {
  createSwitchReplica,
  type RaftDecisionLog,
  type SwitchService,
  type TxnEntry,
} from '../../switch/src';

/** The regions of the three NPCI switch replicas (then more, for five). */
export const SWITCH_REGIONS = ['Mumbai', 'Delhi', 'Chennai', 'Hyderabad', 'Kolkata'] as const;

export interface EmbeddedReplica {
  readonly id: number;
  /** SWITCH_REGIONS by id until `placeIn` places it. */
  region: string;
  service: SwitchService;
  host: RaftHost;
  log: RaftDecisionLog;
  /** Survives a crash (what the replica had synced), as its log file would. */
  readonly storage: MemoryStorage;
  alive: boolean;
  restarts: number;
}

export interface ReplicaGroupOptions {
  readonly replicas: number;
  readonly timers: Timers;
  readonly seed: number;
  /** Builds one replica's switch service over its replicated log. */
  readonly service: (log: RaftDecisionLog) => SwitchService;
  /** Raft tick (ms of the run clock). Default 10. */
  readonly tickMs?: number;
  /** Settled payments an eviction dropped, each reported once however many replicas apply it. */
  readonly onEvicted?: (gone: readonly TxnEntry[]) => void;
}

/**
 * N switch replicas in one process on an in-process Raft network: the embedded and simulated
 * form of the live stack's three switch processes. Killing the leader stops its host and its
 * service at once (no goodbye to anyone); restarting builds both again over the same storage.
 */
export class SwitchReplicaGroup {
  readonly network = new LocalNetwork();
  readonly replicas: EmbeddedReplica[] = [];
  /** Every time a replica became the acting leader (run-clock ms), and every kill. */
  readonly leaderships: { readonly id: number; readonly atMs: number }[] = [];
  readonly kills: { readonly id: number; readonly atMs: number }[] = [];
  private readonly ids: number[];
  /** Evictions reported so far (`SwitchStateMachine.evictions`: the n-th is the same on every replica). */
  private evictionsReported = 0;

  constructor(private readonly opts: ReplicaGroupOptions) {
    if (![3, 5].includes(opts.replicas))
      throw new Error(`switch replicas must be 3 or 5, got ${opts.replicas}`);
    this.ids = Array.from({ length: opts.replicas }, (_, i) => i + 1);
    for (const id of this.ids) this.replicas.push(this.build(id, new MemoryStorage()));
  }

  private build(id: number, storage: MemoryStorage, restarts = 0): EmbeddedReplica {
    const { host, log } = createSwitchReplica({
      id,
      peers: this.ids.filter((p) => p !== id),
      storage,
      transport: this.network.transport(id),
      timers: this.opts.timers,
      tickMs: this.opts.tickMs ?? 10,
      seed: this.opts.seed * 31 + id * 7 + restarts * 1009,
    });
    log.onLeadership((leading) => {
      if (leading) this.leaderships.push({ id, atMs: this.opts.timers.now() });
    });
    // Exactly once per eviction: the first replica to apply the n-th reports it. Every replica
    // applies the same committed entries in the same order, so the n-th drops the same payments
    // wherever it is applied; one applying it later (a follower, a restarted replica replaying its
    // log, a new leader catching up) has n <= evictionsReported, as does a snapshot's count.
    log.state.onEvicted((seq, gone) => {
      if (seq <= this.evictionsReported) return;
      this.evictionsReported = seq;
      this.opts.onEvicted?.(gone);
    });
    return {
      id,
      region: SWITCH_REGIONS[id - 1]!,
      service: this.opts.service(log),
      host,
      log,
      storage,
      alive: true,
      restarts,
    };
  }

  /**
   * Puts replica i (ids from 1) in `regions[i - 1]` (the rest stay where they are) and delays every
   * Raft message between replicas by `oneWayMs` of the two regions: the simulator's network, so a
   * quorum round trip costs what it would between those data centres.
   */
  placeIn(regions: readonly string[], oneWayMs: (from: string, to: string) => number): void {
    for (const r of this.replicas) r.region = regions[r.id - 1] ?? r.region;
    const region = (id: number): string => this.replicas[id - 1]!.region;
    this.network.setLinkLatency(this.opts.timers, (from, to) => oneWayMs(region(from), region(to)));
  }

  async start(): Promise<void> {
    for (const r of this.replicas) r.host.start();
    await Promise.all(this.replicas.map((r) => r.service.start()));
  }

  /** The replica whose switch acts now (leads, state caught up), if any. */
  leader(): EmbeddedReplica | undefined {
    return this.replicas.find((r) => r.alive && r.service.isLeading);
  }

  /**
   * The leader's service, or (between leaders, and once the group stopped) the service of the
   * replica that applied the most: committed states are prefixes of one log, so the longest holds
   * every outcome — a follower learns of a commit only with the leader's next message, and a run
   * read back from a lagging one would see payments the leader already settled as PENDING.
   */
  primary(): SwitchService {
    const leader = this.leader();
    if (leader) return leader.service;
    const alive = this.replicas.filter((r) => r.alive);
    return mostApplied(alive.length > 0 ? alive : this.replicas).service;
  }

  /** True while replicas run and none leads: the payments they hold wait for the next leader. */
  get leaderless(): boolean {
    return this.leader() === undefined && this.replicas.some((r) => r.alive);
  }

  /** `kill -9` of the leader: its host and service stop where they are. Returns its id (null: no leader). */
  async killLeader(): Promise<number | null> {
    const r = this.leader();
    if (!r) return null;
    await this.kill(r.id);
    return r.id;
  }

  async kill(id: number): Promise<void> {
    const r = this.replica(id);
    if (!r.alive) return;
    r.alive = false;
    this.kills.push({ id, atMs: this.opts.timers.now() });
    await r.host.stop();
    await r.service.stop();
  }

  /** Restarts a killed replica from its storage; it catches up from the leader. */
  async restart(id: number): Promise<void> {
    const r = this.replica(id);
    if (r.alive) return;
    const fresh = this.build(id, r.storage, r.restarts + 1);
    Object.assign(r, {
      service: fresh.service,
      host: fresh.host,
      log: fresh.log,
      alive: true,
      restarts: fresh.restarts,
    });
    r.host.start();
    await r.service.start();
  }

  async stop(): Promise<void> {
    for (const r of this.replicas) {
      if (!r.alive) continue;
      r.alive = false;
      await r.host.stop();
      await r.service.stop();
    }
  }

  /** Each kill and how long until another replica acted as leader (null: none did). */
  failovers(): { killedId: number; atMs: number; newLeaderId: number | null; gapMs: number | null }[] {
    return this.kills.map((k) => {
      const next = this.leaderships.find((l) => l.atMs >= k.atMs && l.id !== k.id);
      return {
        killedId: k.id,
        atMs: k.atMs,
        newLeaderId: next?.id ?? null,
        gapMs: next ? next.atMs - k.atMs : null,
      };
    });
  }

  private replica(id: number): EmbeddedReplica {
    const r = this.replicas.find((x) => x.id === id);
    if (!r) throw new Error(`no switch replica ${id}`);
    return r;
  }
}

function mostApplied(rs: readonly EmbeddedReplica[]): EmbeddedReplica {
  let best = rs[0]!;
  for (const r of rs) if (r.host.status().applied > best.host.status().applied) best = r;
  return best;
}

import { Random, type Timers } from '../../domain/src';
import type { Envelope } from '../../transport/src/bus';
import { TOPICS } from '../../transport/src/topics';
import { capacityTps, type SwitchStageModel } from '../../scheduling/src/stage-model';
import { scaledStage } from '../../scenarios/src/topology';
import type { NetworkEventSpec, ReplicaState, Scenario, SwitchReplicaSpec } from '../../scenarios/src/types';
import type { EmbeddedSystem } from '../../runtime/src/embedded-system';
import type { SwitchService } from '../../switch/src/switch.service';
import { DEFAULT_REGION, RegionLatency } from './regions';
import type { SimModel } from './sim-model';
import { sigmaOf, type LogNormalSpec } from './histogram-fit';
import { rateAt } from '../../scenarios/src/curve';

const BANK_REQ_PREFIX = TOPICS.bankReq('');

interface Replica {
  readonly id: string;
  readonly region: string;
  readonly capacityTps: number;
  state: ReplicaState;
}

/** What the network did during the run, for the result's `extensions.sim.network`. */
export interface NetworkLogEntry {
  readonly atSec: number;
  readonly event: string;
  /** Serving capacity after the event (real-world payments/s), and the primary's region. */
  readonly servingTps: number;
  readonly primary: string | null;
}

/**
 * The simulated network and switch cluster of one run: per-message latency by the regions of
 * sender and receiver (plus a log-normal broker hop and, on the switch's answers, the Raft commit),
 * and the replicas' timeline — failover with an outage, replicas coming online, a region slowing
 * down — applied to the real switch's stage by changing its capacity.
 */
export class SimNetwork {
  private readonly regions: RegionLatency;
  private readonly replicas: Replica[];
  private readonly extraMs = new Map<string, number>();
  private readonly replicaExtraMs = new Map<string, number>();
  private readonly rng: Random;
  private readonly hopSigma: number;
  private readonly pspSigma: number;
  private readonly bankSigma: number;
  private readonly commitSigma: number;
  private readonly defaultRegion: string;
  private primary: Replica | null;
  private commitMs = 0;
  /** The real Raft replicas run (`--raft`): their messages carry the quorum round trip. */
  private raftRuns = false;
  /**
   * With real replicas: who won each election, and replica i's region and scenario id (the i-th
   * `switchReplicas` entry; none past the named ones).
   */
  private raft: {
    readonly leaderships: readonly { readonly id: number }[];
    readonly regions: readonly string[];
    readonly ids: readonly (string | undefined)[];
  } | null = null;
  private clock: { readonly timers: Timers; readonly t0: number } | null = null;
  readonly log: NetworkLogEntry[] = [];

  constructor(
    private readonly scenario: Scenario,
    private readonly model: SimModel,
  ) {
    const spec = scenario.network ?? {};
    this.regions = new RegionLatency(spec);
    this.defaultRegion = spec.defaultRegion ?? DEFAULT_REGION;
    this.replicas = initialReplicas(scenario);
    this.primary = this.replicas.find((r) => r.state === 'serving') ?? null;
    this.rng = new Random(scenario.seed).fork('sim-network');
    const hop = model.hop;
    this.hopSigma = hop ? sigmaOf(hop) : 0;
    this.pspSigma = model.links?.psp ? sigmaOf(model.links.psp) : 0;
    this.bankSigma = model.links?.bank ? sigmaOf(model.links.bank) : 0;
    this.commitSigma = model.raft?.commit ? sigmaOf(model.raft.commit) : 0;
    this.updateCommit();
  }

  /** Serving capacity in real-world payments/s (before `scale`). */
  get servingTps(): number {
    return this.replicas.reduce((a, r) => a + (r.state === 'serving' ? r.capacityTps : 0), 0);
  }

  /** The bus's per-message latency (InMemoryBusOptions.linkLatencyMs). */
  readonly link = (topic: string, value: unknown, inReplyTo?: Envelope): number => {
    let from: string;
    let to: string;
    let extra = 0;
    const via = inReplyTo?.topic ?? topic;
    if (inReplyTo) {
      [to, from] = this.ends(inReplyTo.topic, inReplyTo.value);
      // The switch answers a payment once its decision is in the Raft log.
      if (inReplyTo.topic === TOPICS.reqPay) extra = this.commit();
    } else {
      [from, to] = this.ends(topic, value);
      // A degraded primary: each payment takes that much longer to get through the switch.
      if (topic === TOPICS.reqPay) {
        const id = this.switchId();
        if (id !== undefined) extra = this.replicaExtraMs.get(id) ?? 0;
      }
    }
    return this.between(from, to) + this.transport(via) + extra;
  };

  /** One-way latency between two regions now: the table plus any `region-latency` event's extra. */
  private between(from: string, to: string): number {
    return (
      this.regions.oneWayMs(from, to) +
      (this.extraMs.get(from) ?? 0) +
      (from === to ? 0 : (this.extraMs.get(to) ?? 0))
    );
  }

  /** Schedules the scenario's network events on the run's clock. */
  start(system: EmbeddedSystem, timers: Timers, t0: number): void {
    this.clock = { timers, t0 };
    const stage = (): SwitchService[] => switchServices(system);
    if (system.switches) {
      // Real replicas: Raft message i -> j takes the latency between their regions (replica i is the
      // scenario's i-th switchReplicas entry, an unnamed one is in the default region), so the
      // commit's quorum round trip happens in the Raft run and leaves the modelled commit.
      const named = this.scenario.network?.switchReplicas ?? [];
      const regions = system.switches.replicas.map((_, i) => named[i]?.region ?? this.defaultRegion);
      system.switches.placeIn(regions, (a, b) => this.between(a, b));
      this.raft = {
        leaderships: system.switches.leaderships,
        regions,
        ids: regions.map((_, i) => named[i]?.id),
      };
      this.raftRuns = true;
      this.updateCommit();
    }
    this.record(0, 'start');
    for (const e of this.scenario.network?.events ?? []) {
      timers.setTimer(t0 + e.atSec * 1000 - timers.now(), () => this.apply(e, stage, timers, t0));
    }
  }

  private apply(e: NetworkEventSpec, stage: () => SwitchService[], timers: Timers, t0: number): void {
    const at = (timers.now() - t0) / 1000;
    switch (e.kind) {
      case 'region-latency':
        this.extraMs.set(e.region, e.extraMs);
        this.record(at, `${e.region} +${e.extraMs} ms`);
        return;
      case 'replica-latency':
        this.replicaExtraMs.set(e.replica, e.extraMs);
        this.record(at, `${e.replica} +${e.extraMs} ms`);
        return;
      case 'replica-online': {
        const r = this.replica(e.replica);
        r.state = 'serving';
        this.primary ??= r;
        this.resize(stage);
        this.record(at, `${r.id} online`);
        return;
      }
      case 'failover': {
        const old = this.primary;
        if (old) old.state = 'offline';
        const next = this.replica(e.to);
        next.state = 'standby';
        this.primary = next;
        this.resize(stage);
        this.record(at, `${old?.id ?? '-'} lost, failover to ${next.id}`);
        timers.setTimer(e.outageSec * 1000, () => {
          next.state = 'serving';
          this.resize(stage);
          this.record((timers.now() - t0) / 1000, `${next.id} serving`);
        });
        return;
      }
    }
  }

  /** Serving capacity → the switch stage's servers and speed (the same rule as `scaledStage`). */
  private resize(services: () => SwitchService[]): void {
    const s = stageFor(this.scenario, this.servingTps);
    for (const svc of services()) svc.resizeStage(s);
    this.updateCommit();
  }

  private updateCommit(): void {
    const p = this.primary;
    const fsync = this.model.raft?.fsyncMs ?? 0;
    if (!p || this.raftRuns) return void (this.commitMs = fsync);
    // A majority of three: the leader and its nearest live follower.
    const rtts = this.replicas
      .filter((r) => r !== p && r.state !== 'offline')
      .map((r) => 2 * this.regions.oneWayMs(p.region, r.region));
    this.commitMs = fsync + (rtts.length ? Math.min(...rtts) : 0);
  }

  /**
   * The switch replica that answers now: with real replicas the one Raft elected last (a killed
   * leader stays the address until the next election, as a client's would); otherwise, and before
   * the first election, the modelled primary (`failover` events).
   */
  private leaderIndex(): number {
    const l = this.raft?.leaderships;
    return l && l.length > 0 ? l[l.length - 1]!.id - 1 : -1;
  }

  private switchRegion(): string {
    const i = this.leaderIndex();
    return i >= 0 ? this.raft!.regions[i]! : (this.primary?.region ?? this.defaultRegion);
  }

  /** The scenario id of the switch replica that answers now, for `replica-latency` events. */
  private switchId(): string | undefined {
    const i = this.leaderIndex();
    return i >= 0 ? this.raft!.ids[i] : this.primary?.id;
  }

  private ends(topic: string, value: unknown): [string, string] {
    const sw = this.switchRegion();
    const v = value as { pspId?: string; bank?: string } | null;
    if (topic === TOPICS.reqPay || topic === TOPICS.chkTxn) return [this.pspRegion(v?.pspId), sw];
    if (topic.startsWith(BANK_REQ_PREFIX)) return [sw, this.bankRegion(topic.slice(BANK_REQ_PREFIX.length))];
    if (topic === TOPICS.bankResp) return [this.bankRegion(v?.bank), sw];
    if (topic === TOPICS.settlement) return [sw, this.scenario.network?.clearing ?? this.defaultRegion];
    return [this.defaultRegion, this.defaultRegion];
  }

  private pspRegion(id: string | undefined): string {
    return (id && this.scenario.network?.psps?.[id]) || this.defaultRegion;
  }

  private bankRegion(id: string | undefined): string {
    return (id && this.scenario.network?.banks?.[id]) || this.defaultRegion;
  }

  /**
   * One message's transport time: the measured link when the model has one (PSP ↔ switch, switch ↔
   * bank), otherwise the generic hop.
   */
  private transport(topic: string): number {
    const links = this.model.links;
    if (links?.psp && (topic === TOPICS.reqPay || topic === TOPICS.chkTxn))
      return this.draw(links.psp, this.pspSigma) * this.loadFactor();
    if (links?.bank && (topic === TOPICS.bankResp || topic.startsWith(BANK_REQ_PREFIX)))
      return this.draw(links.bank, this.bankSigma) * this.loadFactor();
    const h = this.model.hop;
    return h ? this.draw(h, this.hopSigma) : 0;
  }

  /**
   * The Raft commit: the measured distribution when the model has one (calibrated on one host, so
   * no region round trip in it), else fsync + quorum round trip (fsync alone when real replicas run).
   */
  private commit(): number {
    const c = this.model.raft?.commit;
    return c ? this.draw(c, this.commitSigma) * this.loadFactor() : this.commitMs;
  }

  /** The model's `load` factor at the scenario's offered rate now (1 without one). */
  private loadFactor(): number {
    const pts = this.model.load;
    if (!pts || pts.length === 0 || !this.clock) return 1;
    const rate = rateAt(this.scenario, (this.clock.timers.now() - this.clock.t0) / 1000);
    if (rate <= pts[0]!.ratePerSec) return pts[0]!.factor;
    for (let i = 1; i < pts.length; i++) {
      const b = pts[i]!;
      if (rate <= b.ratePerSec) {
        const a = pts[i - 1]!;
        return a.factor + ((b.factor - a.factor) * (rate - a.ratePerSec)) / (b.ratePerSec - a.ratePerSec);
      }
    }
    return pts[pts.length - 1]!.factor;
  }

  private draw(d: LogNormalSpec, sigma: number): number {
    return sigma > 0 ? this.rng.logNormal(d.medianMs, sigma) : d.medianMs;
  }

  private replica(id: string): Replica {
    const r = this.replicas.find((x) => x.id === id);
    if (!r) throw new Error(`network: no replica '${id}'`);
    return r;
  }

  private record(atSec: number, event: string): void {
    this.log.push({
      atSec: Math.round(atSec * 1000) / 1000,
      event,
      servingTps: this.servingTps,
      primary: this.primary?.id ?? null,
    });
  }
}

function initialReplicas(s: Scenario): Replica[] {
  const specs: readonly SwitchReplicaSpec[] = s.network?.switchReplicas ?? [];
  return specs.map((r, i) => ({
    id: r.id,
    region: r.region,
    capacityTps: r.capacityTps,
    state: r.state ?? (i === 0 ? 'serving' : 'standby'),
  }));
}

/** The batch size a replica's capacityTps is quoted at (the seed: "UPI uses 100–500 during peak hours"). */
export const REPLICA_REFERENCE_BATCH = 100;

/** Real-world stage servers that give `tps` at the reference batch size; other batch sizes give more or less. */
export function serversFor(s: Scenario, tps: number): number {
  const st = s.topology.switch.stage;
  const perServer = capacityTps(
    { fixedMs: st.fixedMs, perTxnMs: st.perTxnMs, servers: 1 },
    REPLICA_REFERENCE_BATCH,
  );
  return tps / perServer;
}

/** The scaled stage serving `tps` real-world payments/s; no servers at all when nothing serves. */
export function stageFor(s: Scenario, tps: number): SwitchStageModel {
  const st = s.topology.switch.stage;
  if (tps <= 0) return { servers: 0, fixedMs: st.fixedMs, perTxnMs: st.perTxnMs };
  const scaled = scaledStage({ ...st, servers: serversFor(s, tps) }, s.scale);
  return { servers: scaled.servers, fixedMs: scaled.fixedMs, perTxnMs: scaled.perTxnMs };
}

/**
 * The running switch nodes — every Raft replica when the switch is replicated, since whichever leads
 * serves. Looked up at each event, so a replica restarted after a kill is resized too.
 */
function switchServices(system: EmbeddedSystem): SwitchService[] {
  return system.switches ? system.switches.replicas.map((r) => r.service) : [system.switchNode];
}

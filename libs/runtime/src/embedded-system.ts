import { Random, UPI_TIMEOUTS_MS, type Timers } from '../../domain/src';
import { BankService, type BankProfile } from '../../bank/src';
import { ClearingService } from '../../clearing/src';
import { InMemoryLedger } from '../../ledger/src';
import { InMemoryIdempotencyStore, PspCore, type PaymentObservation } from '../../psp/src';
import type { Scenario } from '../../scenarios/src';
import type { Topology } from '../../scenarios/src/topology';
import {
  InMemoryDecisionLog,
  type DecisionLog,
  type RaftDecisionLog,
  MapDirectory,
  SwitchService,
  type SwitchObserver,
  type TxnEntry,
} from '../../switch/src';
import { InMemoryBus, type InMemoryBusOptions } from '../../transport/src';
import type { LegAdmission, ResilienceMetrics } from '../../resilience/src';
import { pspAdmission, switchAdmission, switchSettings } from './switch-config';
import { InvariantAccumulator } from './invariants';
import { PSP_POLL_HORIZON_MS, SETTLED_COOLING_MS, SETTLED_RETENTION_MS } from './retention';
import { SwitchReplicaGroup } from './switch-replicas';

export interface EmbeddedOptions {
  readonly scenario: Scenario;
  readonly topology: Topology;
  readonly timers: Timers;
  /** Called when the switch knows a payment's outcome. */
  readonly onOutcome?: (entry: TxnEntry) => void;
  /** Breaker and limiter metrics (libs/resilience); none when absent. */
  readonly resilienceMetrics?: ResilienceMetrics;
  /** Called when the PSP answers a payer (for the latency histogram). */
  readonly observePayments?: (obs: PaymentObservation) => void;
  /** Switch replicas on Raft (3 or 5, in-process network); 1 or absent: one node, decision log in memory. */
  readonly switchReplicas?: number;
  /** The switch's timing hooks (queue wait, batch size, decision log, bank legs). */
  readonly switchObserver?: SwitchObserver;
  /** Modelled per-message network latency on the bus (the simulator's regions); none when absent. */
  readonly busLinkLatencyMs?: InMemoryBusOptions['linkLatencyMs'];
}

/**
 * Every service of the payment flow in one process: PSP, switch, banks and clearing, wired
 * through the in-memory bus and ledger on the given clock. The same cores run as separate Nest
 * processes over Kafka and Redis in live mode.
 */
export class EmbeddedSystem {
  readonly bus: InMemoryBus;
  readonly ledger: InMemoryLedger;
  readonly banks: BankService;
  /** The switch replicas when replicated (null: one node). */
  readonly switches: SwitchReplicaGroup | null;
  private readonly singleSwitch: SwitchService | null;
  readonly clearing: ClearingService;
  readonly psp: PspCore;
  private readonly pspBreaker: LegAdmission;
  /** Settled payments evicted so far, folded for the end-of-run invariants. */
  readonly settled = new InvariantAccumulator();
  private readonly accountOf: (vpa: string) => string | undefined;

  private constructor(readonly opts: EmbeddedOptions) {
    const { scenario, topology, timers } = opts;
    const sw = topology.switch;
    // The system starts with the run: every switch replica, and one restarted later, reads the
    // scenario's time of day from here.
    const startedAt = timers.now();
    const rng = new Random(scenario.seed);
    this.accountOf = (vpa) => topology.directory.get(vpa)?.account;
    this.bus = new InMemoryBus({
      timers,
      ...(opts.busLinkLatencyMs ? { linkLatencyMs: opts.busLinkLatencyMs } : {}),
    });
    this.ledger = new InMemoryLedger();
    this.banks = new BankService({
      bus: this.bus,
      timers,
      ledger: this.ledger,
      rng: rng.fork('banks'),
      banks: bankProfiles(topology),
    });
    const switchService = (log: DecisionLog, replication?: RaftDecisionLog): SwitchService =>
      new SwitchService({
        bus: this.bus,
        timers,
        directory: new MapDirectory(
          [...topology.directory].map(([vpa, d]) => [vpa, { bank: d.bank, account: d.account }]),
        ),
        ...switchSettings(scenario, topology, startedAt),
        admission: switchAdmission(scenario, timers, opts.resilienceMetrics),
        ...(opts.onOutcome ? { onOutcome: opts.onOutcome } : {}),
        ...(opts.switchObserver ? { observer: opts.switchObserver } : {}),
        log,
        ...(replication ? { replication } : {}),
      });
    const replicas = opts.switchReplicas ?? 1;
    this.switches =
      replicas > 1
        ? new SwitchReplicaGroup({
            replicas,
            timers,
            seed: scenario.seed,
            service: (log) => switchService(log, log),
            // Folded when the eviction commits (first applied), not when the leader proposes it: a
            // leader that dies first leaves its payments held everywhere, for the next leader to
            // evict; one committed is gone from every replica, and is folded once (see onEvicted).
            onEvicted: (gone) => {
              for (const e of gone) this.forgetSettled(e);
            },
          })
        : null;
    this.singleSwitch = this.switches ? null : switchService(new InMemoryDecisionLog());
    this.clearing = new ClearingService({ bus: this.bus, timers, cycleMs: sw.settlementCycleSec * 1000 });
    let seq = 0;
    this.pspBreaker = pspAdmission(scenario, timers, opts.resilienceMetrics);
    this.psp = new PspCore({
      bus: this.bus,
      timers,
      handles: topology.handles,
      limitPaise: sw.txnLimitPaise,
      answerWaitMs: sw.pspWaitMs,
      upiTimeoutMs: UPI_TIMEOUTS_MS.reqPay,
      // Keys are kept as long as their payments (the generator retries within a second).
      store: new InMemoryIdempotencyStore({ clock: timers, ttlMs: SETTLED_RETENTION_MS }),
      txnIds: () => `TXN${String(++seq).padStart(10, '0')}`,
      ...(opts.observePayments ? { observe: opts.observePayments } : {}),
      switchAdmission: this.pspBreaker,
    });
  }

  /**
   * Folds into `settled` and drops the settled payments that retention.ts allows at `nowMs`, with
   * `retentionMs` in place of SETTLED_RETENTION_MS (switch entry, ledger records, clearing dedup
   * entry, PSP record), so memory stays bounded however long the run. Returns how many the switch
   * evicted. With replicas the leader evicts (none while leaderless), and each payment is folded
   * once its eviction commits, not here.
   */
  evictSettled(nowMs: number, retentionMs = SETTLED_RETENTION_MS): number {
    const node = this.singleSwitch ?? this.switches!.leader()?.service;
    if (!node) return 0;
    const pollHorizon = nowMs - PSP_POLL_HORIZON_MS;
    return node.evictSettled(
      {
        cutoffMs: nowMs - retentionMs,
        nowMs,
        coolMs: SETTLED_COOLING_MS,
        // The payer PSP still waiting for the outcome polls for it (until its last status check).
        keep: (e) => e.req.createdAt > pollHorizon && this.psp.get(e.req.txnId)?.status === 'PENDING',
      },
      (e) => this.forgetSettled(e),
    );
  }

  /** An evicted payment: folded for the end-of-run checks, and dropped from ledger, clearing and PSP. */
  private forgetSettled(e: TxnEntry): void {
    const id = e.req.txnId;
    this.settled.fold(e, this.ledger.forget(id), this.accountOf);
    this.clearing.forget(id);
    this.psp.forget(id);
  }

  static async start(opts: EmbeddedOptions): Promise<EmbeddedSystem> {
    const sys = new EmbeddedSystem(opts);
    await sys.ledger.open(opts.topology.accounts);
    await Promise.all([sys.banks.start(), sys.startSwitch(), sys.clearing.start()]);
    return sys;
  }

  /** The switch that acts: the one node, or the replicas' current leader (a follower between leaders). */
  get switchNode(): SwitchService {
    return this.singleSwitch ?? this.switches!.primary();
  }

  /**
   * A payment's status as the switch knows it. With replicas, every replica is asked (a dead one
   * too: what it applied was committed) and a final answer wins, because a leader reports an
   * outcome as soon as it commits, before its followers learn of the commit.
   */
  switchStatus(txnId: string): ReturnType<SwitchService['statusOf']> {
    if (this.singleSwitch) return this.singleSwitch.statusOf(txnId);
    let best = this.switches!.primary().statusOf(txnId);
    for (const r of this.switches!.replicas) {
      if (best.status !== 'PENDING' && best.status !== 'UNKNOWN') break;
      const s = r.service.statusOf(txnId);
      if (s.status !== 'UNKNOWN') best = s;
    }
    return best;
  }

  private async startSwitch(): Promise<void> {
    if (this.singleSwitch) return this.singleSwitch.start();
    return this.switches!.start();
  }

  async stop(): Promise<void> {
    if (this.singleSwitch) await this.singleSwitch.stop();
    else await this.switches!.stop();
    await this.banks.stop();
    await this.clearing.stop();
    this.psp.stop();
    this.pspBreaker.shutdown();
    await this.bus.close();
  }
}

function bankProfiles(t: Topology): BankProfile[] {
  return t.banks.map((b) => ({
    id: b.id,
    capacityTps: b.capacityTps,
    latency: { medianMs: b.latencyP50Ms, p99Ms: b.latencyP99Ms },
    failureRate: b.technicalFailureRate,
  }));
}
